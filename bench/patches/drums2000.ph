-- drums2000 (P3 of scripts/bench_peers.py): 16 one-shots a second of the kit's bd:0 at four
-- rates; 125 s of it are 2000 events, about 8 voices sounding at once.
cps: 1
out: s "bd*16" # speed "1 1.5 2 0.75"
