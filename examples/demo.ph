-- The built-in demo: drums, a filtered bass line, a chord pad and an echoing lead.
-- Render it with `scripts/demo.sh` (or `phonon-farm examples/demo.ph -o out/demo.wav`).
bpm: 62
~drums: s "[bd*2 [~ bd] bd, ~ sn ~ sn:1, hh*8]" # gain 0.9
~hats: jux rev $ s "~ oh ~ oh*2" # gain 0.35
~lfo: sine 0.125
~bass: saw "<55 55 65.41 49>*4" # lpf (~lfo * 700 + 900) 2 # adsr 0.005 0.12 0.5 0.08
~pad: supersaw "<220 261.63 196 174.61>" 0.2 5 # lpf 1800 0.7 # gain 0.15
~lead: sine "<[880 ~ 660 ~] [~ 784 ~ 587.33]>*2" # adsr 0.01 0.1 0.4 0.2 # delay 0.375 0.45 0.4
out: ~drums * 0.8 + ~hats + ~bass * 0.35 + ~pad # reverb 0.7 0.5 0.25 + ~lead * 0.12
