"""Playing trained teams: evaluation, tournaments, watching games, exporting for the contest, plots."""
