-- The built-in demo: drums, a filtered bass line, a chord pad and an echoing lead.
-- Render it with `scripts/demo.sh` (or `phonon-farm examples/demo.ph -o out/demo.wav`).
tempo: 0.55                                   -- cycles per second: one bar of four beats per cycle
~drums: s "[bd [~ bd] bd bd, ~ sn ~ sn:1, hh*8]" # gain 1.2
~hats: jux rev $ s "~ oh ~ oh*2" # gain 1
~lfo: sine 0.125
~bass: saw "<55 55 65.41 49>*4" # lpf (~lfo * 700 + 900) 2 # adsr 0.005 0.12 0.5 0.08
~pad: supersaw "<220 261.63 196 174.61>" 0.2 5 # lpf 1800 0.7
~lead: sine "<[880 ~ 660 ~] [~ 784 ~ 587.33]>*2" # adsr 0.01 0.1 0.4 0.2 # delay 0.375 0.45 0.4
~space: (~pad * 0.08 + ~lead * 0.1) # reverb 0.7 0.5 0.35
out: ~drums + ~hats + ~bass * 0.2 + ~space
