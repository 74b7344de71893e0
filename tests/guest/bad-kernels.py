#!/usr/bin/env python3
"""-kernel with images that cannot boot: each must make lapis print one
clear error line on stderr and exit with status 1 (TAP output).

usage: bad-kernels.py LAPIS GOOD_IMAGE
"""
import os
import struct
import subprocess
import sys
import tempfile

lapis, good = sys.argv[1], sys.argv[2]
tmp = tempfile.mkdtemp(prefix='lapis-bad-kernels-')
n = 0
failed = 0


def check(name, data, want):
    global n, failed
    path = os.path.join(tmp, name)
    with open(path, 'wb') as f:
        f.write(data)
    r = subprocess.run([lapis, '-display', 'none', '-serial', 'none',
                        '-no-reboot', '-kernel', path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, timeout=30)
    err = r.stderr.decode('utf-8', 'replace').strip().splitlines()
    ok = r.returncode == 1 and len(err) == 1 and want in err[0]
    n += 1
    if not ok:
        failed += 1
    print('%s %d - %s: status %d, stderr %r' % ('ok' if ok else 'not ok', n,
                                               name, r.returncode, err))


image = open(good, 'rb').read()
check('not-multiboot', b'\x7fELF' + b'\0' * 16000, 'Multiboot')
check('text-file', b'hello, this is not a kernel\n' * 100, 'Multiboot')
# the header survives, the segments do not
check('truncated', image[:9000], 'truncated')
# a segment far above RAM: move the first PT_LOAD's physical address
e_phoff = struct.unpack_from('<I', image, 28)[0]
phentsize, phnum = struct.unpack_from('<HH', image, 42)
high = bytearray(image)
for i in range(phnum):
    off = e_phoff + i * phentsize
    if struct.unpack_from('<I', high, off)[0] == 1:       # PT_LOAD
        struct.pack_into('<I', high, off + 12, 0xf0000000)  # p_paddr
        break
check('segment-outside-ram', bytes(high), 'outside RAM')
# an ELF64 image (QEMU, too, wants elf32-i386)
elf64 = bytearray(image)
elf64[4] = 2
check('elf64', bytes(elf64), '32bit')
import shutil
shutil.rmtree(tmp, ignore_errors=True)
print("1..%d" % n)
sys.exit(0)
