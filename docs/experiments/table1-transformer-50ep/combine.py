#!/usr/bin/env python3
"""Combines the per-rule, per-seed sweep results of the Table 1 transformer row into one results.csv and a
per-layer table of cos(g, H) (mean ± std over the seeds that did not collapse)."""
import csv, glob, os, statistics, sys
src, dst = sys.argv[1], sys.argv[2]
rows = []
for f in sorted(glob.glob(os.path.join(src, '*-seed*/results.csv'))):
    with open(f) as fh:
        rows.extend(csv.DictReader(fh))
os.makedirs(dst, exist_ok=True)
with open(os.path.join(dst, 'results.csv'), 'w', newline='') as fh:
    w = csv.DictWriter(fh, fieldnames=list(rows[0].keys()))
    w.writeheader(); w.writerows(rows)
gammas = ['0.0', '5.0E-5', '5.0E-4', '0.005']
labels = ['γ=0', 'γ=5e-5', 'γ=5e-4', 'γ=5e-3']
layers = sorted({r['layer'] for r in rows})
rules = [r for r in ['sgd', 'adam'] if any(x['rule'] == r for x in rows)]
def cell(rule, layer, g, col):
    sel = [x for x in rows if x['rule'] == rule and x['layer'] == layer and x['weight_decay'] == g]
    ok = [float(x[col]) for x in sel if x['collapsed'] != 'true']
    if not sel: return 'n/a'
    if not ok:
        # every seed flagged collapsed: show what the layer still measured, marked, so a surviving layer is seen
        left = [float(x[col]) for x in sel if x[col] not in ('', 'NaN')]
        return f'– ({statistics.mean(left):.2f} c)' if left else '–'
    sd = statistics.stdev(ok) if len(ok) > 1 else 0.0
    return f'{statistics.mean(ok):.2f}±{sd:.2f} ({len(ok)})'
out = ['# Table 1, transformer row: cos(g, H) per layer', '',
       'Mean ± std over the seeds measured (their number in brackets); "–": every seed collapsed (with "c": the mean',
       'of what the layer still measured in those runs, when it measured anything). g is each rule\'s',
       'learning signal without regularizers (SGD: -∇W; Adam: its step direction from the loss gradient alone).', '']
for layer in layers:
    out += [f'### {layer}', '', '| rule | lr | ' + ' | '.join(labels) + ' |', '|---|---|' + '---|' * len(labels)]
    for rule in rules:
        lr = sorted({x['learning_rate'] for x in rows if x['rule'] == rule})
        out.append(f'| {rule} | {",".join(lr)} | ' + ' | '.join(cell(rule, layer, g, 'alignment_signal') for g in gammas) + ' |')
    out.append('')
out += ['### validation loss and weight-norm ratio (final / initial, smallest over layers), mean over seeds', '',
        '| rule | ' + ' | '.join(labels) + ' |', '|---|' + '---|' * len(labels)]
for rule in rules:
    cells = []
    for g in gammas:
        runs = {x['run_id']: x for x in rows if x['rule'] == rule and x['weight_decay'] == g}
        if not runs: cells.append('n/a'); continue
        vl = statistics.mean(float(x['validation_loss']) for x in runs.values())
        ratio = min(float(x['weight_norm_ratio']) for x in rows if x['run_id'] in runs)
        col = sum(1 for x in runs.values() if x['collapsed'] == 'true')
        cells.append(f'{vl:.2e}, {ratio:.2f}' + (f', {col} collapsed' if col else ''))
    out.append(f'| {rule} | ' + ' | '.join(cells) + ' |')
open(os.path.join(dst, 'summary.md'), 'w').write('\n'.join(out) + '\n')
print('\n'.join(out))
