#!/usr/bin/env python3
"""Build one guest test image: compile the runtime and the test's sources
with the host gcc for 32- or 64-bit, freestanding, link at 1 MiB with the
runtime's linker script, then convert to elf32-i386 (QEMU's Multiboot loader
takes only ELF32 images, and so does ours).

usage: build-guest.py --cc GCC --objcopy OBJCOPY --bits 32|64 --out IMG
                      [--include DIR]... SOURCE...
"""
import argparse
import os
import subprocess
import sys

p = argparse.ArgumentParser()
p.add_argument('--cc', required=True)
p.add_argument('--objcopy', required=True)
p.add_argument('--bits', choices=['32', '64'], required=True)
p.add_argument('--out', required=True)
p.add_argument('--include', action='append', default=[])
p.add_argument('--define', action='append', default=[])
# --fpu: let gcc use the x87 for float/double in the 32-bit image (64-bit
# code would need SSE, so the 64-bit image stays general-registers-only).
p.add_argument('--fpu', action='store_true')
p.add_argument('sources', nargs='+')
a = p.parse_args()

here = os.path.dirname(os.path.abspath(__file__))
rt = os.path.join(here, 'runtime')
flags = ['-m' + a.bits, '-ffreestanding', '-nostdlib', '-fno-pic', '-no-pie',
         '-fno-stack-protector', '-mno-red-zone', '-mgeneral-regs-only',
         '-fno-asynchronous-unwind-tables', '-fcf-protection=none',
         '-O2', '-g', '-Wall', '-Werror', '-static', '-I' + rt,
         '-Wl,--build-id=none', '-Wl,--no-warn-rwx-segments',
         '-T', os.path.join(rt, 'link.ld')]
if a.fpu and a.bits == '32':
    flags.remove('-mgeneral-regs-only')
flags += ['-I' + d for d in a.include]
flags += ['-D' + d for d in a.define]
srcs = [os.path.join(rt, f) for f in ('crt0.S', 'runtime.c', 'divdi.c')]
elf = a.out + '.elf'
cmd = [a.cc] + flags + ['-o', elf] + srcs + a.sources
r = subprocess.run(cmd)
if r.returncode:
    sys.exit(r.returncode)
r = subprocess.run([a.objcopy, '-O', 'elf32-i386', elf, a.out])
sys.exit(r.returncode)
