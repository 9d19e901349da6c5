"""The questions asked of the rules: check, explain, repair, synth, bands, the checked graph; may import model, rules."""
