"""Tidal's parameters Phonon does not render, kept as inert controls.

Tidal 1.9.5's Sound/Tidal/Params.hs defines 465 parameters (`name :: Pattern a ->
ControlPattern`); SuperDirt or a MIDI device reads them. A published piece uses some Phonon
has no sound for (`midichan`, `krush`, `octer`, `hbrick`, the `...recv` bus forms, the drum
machine's `lkick` ...): on an event chain each of these is kept in the events with a
warning, so the piece renders (as SuperDirt ignores a parameter no synth reads), and
`phonon events` shows it. A name in neither list is still an error with a did-you-mean.
"""
from __future__ import annotations

INERT = frozenset("""
    amprecv attackrecv attrecv bandfrecv bandqrecv binshift binshiftrecv bpfrecv bpqrecv button0
    button0recv button1 button10 button10recv button11 button11recv button12 button12recv
    button13 button13recv button14 button14recv button15 button15recv button1recv button2
    button2recv button3 button3recv button4 button4recv button5 button5recv button6 button6recv
    button7 button7recv button8 button8recv button9 button9recv cc ccn ccv channel chdecay
    chdecayrecv clhatdecay clhatdecayrecv coarserecv comb combrecv control cpsrecv crushrecv
    ctfg ctfgrecv ctfrecv ctlNum ctranspose ctransposerecv cutoffegint cutoffegintrecv
    cutoffrecv cutrecv decay decayrecv degree degreerecv delayfbrecv delayfeedbackrecv delayrecv
    delaytimerecv delaytrecv det detrecv detune detunerecv dfbrecv distort distortrecv djfrecv
    drum dryrecv dtrecv dur durrecv enhance enhancerecv expression expressionrecv fadeInTime
    fadeOutTime fadeTime frameRate frames freeze freezerecv  freqrecv from fromrecv fshift
    fshiftnote fshiftnoterecv fshiftphase fshiftphaserecv fshiftrecv gat gate gaterecv gatrecv
    harmonic harmonicrecv hatgrain hatgrainrecv hbrick hbrickrecv hcutoffrecv hg hgrecv holdrecv
    hours hpfrecv hpqrecv hresonancerecv imag imagrecv kcutoff kcutoffrecv krush krushrecv lag
    lagogo lagogorecv lagrecv lbd lbdrecv lbrick lbrickrecv lch lchrecv lcl lclap lclaprecv
    lclaves lclavesrecv lclhat lclhatrecv lclrecv lcp lcprecv lcr lcrash lcrashrecv lcrrecv
    leslie leslierecv lfo lfoc lfocrecv lfocutoffint lfocutoffintrecv lfodelay lfodelayrecv lfoi
    lfoint lfointrecv lfoirecv lfop lfopitchint lfopitchintrecv lfoprecv lforecv lfoshape
    lfoshaperecv lfosync lfosyncrecv lhitom lhitomrecv lht lhtrecv lkick lkickrecv llotom
    llotomrecv llt lltrecv lockrecv loh lohrecv loop lophat lophatrecv lpfrecv lpqrecv lrate
    lraterecv lsize lsizerecv lsn lsnare lsnarerecv lsnrecv metatune metatunerecv midibend
    midichan midicmd miditouch minutes modwheel modwheelrecv mtranspose mtransposerecv nrpn
    nrpnn nrpnv nudgerecv octaveR octaveRrecv octer octerrecv octersub octersubrecv octersubsub
    octersubsubrecv offset ohdecay ohdecayrecv ophatdecay ophatdecayrecv orbitrecv overgain
    overshape overshaperecv panorient panorientrecv panrecv panspan panspanrecv pansplay
    pansplayrecv panwidth panwidthrecv partials partialsrecv phasdp phasdprecv phaserdepth
    phaserdepthrecv phaserrate phaserraterecv phasr phasrrecv pit1 pit1recv pit2 pit2recv pit3
    pit3recv pitch1 pitch1recv pitch2 pitch2recv pitch3 pitch3recv polyTouch por porrecv
    portamento portamentorecv progNum rate raterecv real realrecv releaserecv relrecv
    resonancerecv ring ringdf ringdfrecv ringf ringfrecv ringrecv roomrecv sag sagogo sagogorecv
    sagrecv scl sclap sclaprecv sclaves sclavesrecv sclrecv scp scprecv scr scram scramrecv
    scrash scrashrecv scrrecv seconds semitone semitonerecv shaperecv sizerecv sld sldrecv slide
    slider0 slider0recv slider1 slider10 slider10recv slider11 slider11recv slider12
    slider12recv slider13 slider13recv slider14 slider14recv slider15 slider15recv slider1recv
    slider2 slider2recv slider3 slider3recv slider4 slider4recv slider5 slider5recv slider6
    slider6recv slider7 slider7recv slider8 slider8recv slider9 slider9recv sliderecv smear
    smearrecv songPtr squizrecv std stdrecv stepsPerOctave stepsPerOctaverecv stt sttrecv
    stutterdepth stutterdepthrecv stuttertime stuttertimerecv sustainpedal sustainpedalrecv
    szrecv tdecay tdecayrecv timescale timescalewin to toArg toArgrecv tomdecay tomdecayrecv
    torecv tremdp tremdprecv tremolodepth tremolodepthrecv tremolorate tremoloraterecv tremr
    tremrrecv triode trioderecv tsdelay tsdelayrecv uid val vcf vcfegint vcfegintrecv vcfrecv
    vco vcoegint vcoegintrecv vcorecv velocityrecv voi voice voicerecv voirecv vowelrecv
    waveloss wavelossrecv xsdelay xsdelayrecv
""".split())
