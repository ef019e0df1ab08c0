"""The app's .env as a dict: KEY=value lines, # comments, quotes dropped.
Shared by api.py and worker.py (what Laravel's dotenv reads, simply)."""


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                env[k.strip()] = v.strip().strip('"')
    return env
