"""The Discord transport: discord.py over the engine, in DMs (`kith run` with a Discord token)."""
