-- synth16: the issue-3 speed patch: 16 voices of `saw # lpf 800 0.8`, summed,
-- into `delay 0.25 0.6` then `reverb 0.5 0.5 0.3` (Csound renders this 170x realtime here).
cps: 0.5
~v1: saw 55.000 # lpf 800 0.8
~v2: saw 56.781 # lpf 800 0.8
~v3: saw 58.620 # lpf 800 0.8
~v4: saw 60.518 # lpf 800 0.8
~v5: saw 62.476 # lpf 800 0.8
~v6: saw 64.498 # lpf 800 0.8
~v7: saw 66.584 # lpf 800 0.8
~v8: saw 68.737 # lpf 800 0.8
~v9: saw 70.959 # lpf 800 0.8
~v10: saw 73.252 # lpf 800 0.8
~v11: saw 75.619 # lpf 800 0.8
~v12: saw 78.061 # lpf 800 0.8
~v13: saw 80.582 # lpf 800 0.8
~v14: saw 83.183 # lpf 800 0.8
~v15: saw 85.868 # lpf 800 0.8
~v16: saw 88.639 # lpf 800 0.8
~sum: (~v1 + ~v2 + ~v3 + ~v4 + ~v5 + ~v6 + ~v7 + ~v8 + ~v9 + ~v10 + ~v11 + ~v12 + ~v13 + ~v14 + ~v15 + ~v16) * 0.05
out: ~sum # delay 0.25 0.6 # reverb 0.5 0.5 0.3
