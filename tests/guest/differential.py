#!/usr/bin/env python3
"""check-differential: run every guest test image on lapis and on
qemu-system-x86_64 (TCG) and compare what they print on the serial port,
check by check. Not part of `make check`; documented in docs/tcg.md with
the differences known to come from QEMU (where QEMU departs from the SDM).

usage: differential.py BUILD_DIR [--qemu PATH] [--only NAME]
Exit status: 0 when every image prints the same results on both.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys

p = argparse.ArgumentParser()
p.add_argument('build')
p.add_argument('--qemu', default=shutil.which('qemu-system-x86_64'))
p.add_argument('--only', default=None)
a = p.parse_args()

if not a.qemu:
    print('differential: qemu-system-x86_64 is not installed; nothing to compare')
    sys.exit(77)

lapis = os.path.join(a.build, 'lapis')
SRC = os.path.dirname(os.path.abspath(__file__))
EXTRA = {
    'io': ['-device', 'pc-testdev'],
    'mbinfo': ['-append', 'hello multiboot', '-initrd',
               '%s/mbinfo.c arg1,%s/hello.c' % (SRC, SRC)],
}


def run(emu, img, name):
    cmd = [emu, '-display', 'none', '-serial', 'stdio', '-no-reboot',
           '-device', 'isa-debug-exit,iobase=0xf4,iosize=4', '-kernel', img]
    cmd += EXTRA.get(name, [])
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           stdin=subprocess.DEVNULL, timeout=120)
        out, status = r.stdout.decode('utf-8', 'replace'), r.returncode
    except subprocess.TimeoutExpired as e:
        out, status = (e.stdout or b'').decode('utf-8', 'replace'), 'timeout'
    lines = []
    for line in out.replace('\r', '').splitlines():
        m = re.match(r'^(ok|not ok) \d+ - (.*)$', line)
        if m:
            # values CHECK_EQ prints may differ while both pass
            desc = m.group(2)
            if m.group(1) == 'ok':
                desc = re.sub(r': got 0x[0-9a-f]+ expected 0x[0-9a-f]+$', '', desc)
            lines.append('%s - %s' % (m.group(1), desc))
        elif line.startswith('PASS:') or line.startswith('FAIL:'):
            lines.append(line)
    return status, lines


differ = 0
images = sorted(glob.glob(os.path.join(a.build, 'tests', 'guest', '*.img')))
for img in images:
    name = os.path.basename(img)[:-4]
    base = name.rsplit('-', 1)[0]
    if base == 'bench' or (a.only and a.only not in name):
        continue
    ls, ll = run(lapis, img, base)
    qs, ql = run(a.qemu, img, base)
    if ls == qs and ll == ql:
        print('same    %-22s (%d lines, status %s)' % (name, len(ll), ls))
        continue
    differ += 1
    print('DIFFER  %-22s lapis status %s, qemu status %s' % (name, ls, qs))
    for i in range(max(len(ll), len(ql))):
        x = ll[i] if i < len(ll) else '<none>'
        y = ql[i] if i < len(ql) else '<none>'
        if x != y:
            print('    lapis: %s\n    qemu:  %s' % (x, y))
print('%d image(s) differ' % differ)
sys.exit(1 if differ else 0)
