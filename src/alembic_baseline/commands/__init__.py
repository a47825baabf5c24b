"""Operations: one documented function per subcommand; they return results, never print."""
