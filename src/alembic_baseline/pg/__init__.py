"""Everything that talks to PostgreSQL: connections, programs, throwaway servers.

Only this package imports psycopg or subprocess.
"""
