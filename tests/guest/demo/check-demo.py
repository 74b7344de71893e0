#!/usr/bin/env python3
"""Boot the bundled demo as `make run` does and check what a new user sees.

usage: check-demo.py LAPIS DEMO_ELF

Asserts (TAP): lapis exits 0 (the demo powers off through ACPI S5), every
CPU took interrupts, and the final table counts interrupts from each source:
the LAPIC timer, the PIT through the IOAPIC (mode 2, as kernels program it),
and the IPI token.
"""
import subprocess
import sys


def main():
    lapis, demo = sys.argv[1:3]
    cmd = [lapis, '-smp', '4', '-nographic', '-kernel', demo]
    checks = []
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=60)
        out = proc.stdout.decode('utf-8', 'replace')
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        out, rc = '', None
    checks.append((rc == 0, f'lapis exits 0 after the demo powers off (got {rc})'))
    checks.append(('demo finished' in out, 'the demo reports that it finished'))
    rows = [line.split() for line in out.splitlines()]
    cpus = {}
    total = None
    for r in rows:
        if len(r) == 5 and r[0].isdigit() and all(x.isdigit() for x in r[1:]):
            cpus[int(r[0])] = [int(x) for x in r[1:]]      # the last table wins
        elif len(r) == 5 and r[0] == 'all' and all(x.isdigit() for x in r[1:]):
            total = [int(x) for x in r[1:]]
    checks.append((sorted(cpus) == [0, 1, 2, 3], f'a row for each of 4 CPUs (got {sorted(cpus)})'))
    for cpu, counts in sorted(cpus.items()):
        checks.append((counts[3] > 0, f'CPU {cpu} took interrupts ({counts[3]})'))
    names = ['LAPIC timer', 'PIT through the IOAPIC', 'IPI token']
    for i, name in enumerate(names):
        n = total[i] if total else 0
        checks.append((n > 0, f'{name} interrupts counted ({n})'))
    print(f'1..{len(checks)}')
    for i, (ok, what) in enumerate(checks, 1):
        print(f'{"ok" if ok else "not ok"} {i} - {what}')
    if not all(ok for ok, _ in checks):
        print('# output:\n' + '\n'.join('# ' + l for l in out.splitlines()[-30:]))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
