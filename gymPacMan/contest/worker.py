"""`python -m gymPacMan.contest.worker READ_FD WRITE_FD`: a worker process of `agents.ContestTeam`.

It is started as a fresh interpreter (not forked, and without re-running the caller's script or
notebook), reads its `ContestHost` arguments and then requests from the first pipe, and answers on
the second (`gymPacMan.contest.host.serve`).
"""

import sys
from multiprocessing.connection import Connection

from gymPacMan.contest.host import serve

if __name__ == "__main__":
    serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))
