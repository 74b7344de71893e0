#!/usr/bin/env python3
"""check-differential: run every guest test program on lapis and on
qemu-system-x86_64 (TCG) and compare what they print on the serial port,
check by check.  Not part of `make check`; docs/tcg.md ("Differences from
QEMU TCG") reviews every difference against the Intel SDM.

Each meson test that run-guest-test.py runs is run again here with the
same arguments (-smp, -cpu, -device, -append, -icount...), read from
BUILD/meson-info/intro-tests.json, so both emulators run exactly what
`make check` runs on lapis.

A difference is "known" when a KNOWN entry below matches the test and the
check: the entry says which side the SDM backs and why.  Only checks are
annotated; the PASS/FAIL line and the exit status are explained when every
check difference of that image is.  Everything else is printed as an
unexplained difference.

usage: differential.py BUILD_DIR [--qemu PATH] [--only NAME] [-j N]
Exit status: 0 when no test has an unexplained difference.
"""
import argparse
import concurrent.futures
import difflib
import json
import os
import re
import shutil
import subprocess
import sys

class Known:
    """A reviewed difference (docs/tcg.md, "Differences from QEMU TCG").

    images: the image names (NAME-BITS) or test names (NAME-BITS-icount)
            it applies to.
    check:  a regular expression searched in the check's description
            (without the ": got X expected Y" values).
    kind:   'qemu-bug'   QEMU departs from the SDM; lapis's line is right.
            'unmodelled' QEMU 7.2 lacks the feature: its guest printed a
                         SKIP line matching `skip`, lapis ran the checks.
            'latency'    when an interrupt raised by an I/O write is taken
                         is not fixed by the SDM; lapis takes it before the
                         next instruction, QEMU TCG at a later block end.
            'open'       the SDM leaves the behaviour to the implementation.
            'host'       a value that depends on the host (TSC frequency,
                         scheduling) differs.
            'firmware'   QEMU boots through SeaBIOS, lapis sets up the
                         BIOS state itself; a value the BIOS chooses differs.
            'qemu-crash' QEMU died on a signal (an assertion) before these
                         checks; lapis passes them.
            'qemu-stopped' QEMU's guest ended early (an unexpected
                         exception after an earlier QEMU bug) before these
                         checks; lapis passes them.
    qemu_only: the entry explains a "not ok" detail line that only QEMU's
            run prints (a breakdown of a check it fails).
    why:    the reason, with the SDM (or datasheet) section.
    Whatever the kind, lapis's line must be "ok": a lapis failure is never
    explained here.
    """

    def __init__(self, images, check, kind, why, skip=None, qemu_only=False):
        self.images = images
        self.check = re.compile(check)
        self.kind = kind
        self.why = why
        self.skip = re.compile(skip) if skip else None
        self.qemu_only = qemu_only      # a "not ok" detail line only QEMU prints

    def applies(self, names, x, y, qemu_skips, qemu_status):
        """Does this entry explain lapis line X against QEMU line Y in the
        run NAMES (the test name and its image name)?"""
        if not any(n in self.images for n in names):
            return False
        if self.kind == 'unmodelled':
            if y is not None and y[0] == 'skip':
                return x is None and bool(self.skip.search(y[1]))
            return (x is not None and y is None and x[0] == 'ok'
                    and bool(self.check.search(x[1]))
                    and any(self.skip.search(t) for t in qemu_skips))
        if self.kind == 'qemu-crash':
            # checks QEMU never reached: it was killed by a signal
            return (x is not None and y is None and x[0] == 'ok'
                    and isinstance(qemu_status, int) and qemu_status < 0)
        if self.kind == 'qemu-stopped':
            return (x is not None and y is None and x[0] == 'ok'
                    and bool(self.check.search(x[1])))
        if self.qemu_only:
            return (x is None and y is not None and y[0] == 'not ok'
                    and bool(self.check.search(y[1])))
        return (x is not None and x[0] == 'ok' and y is not None
                and y[0] in ('ok', 'not ok') and bool(self.check.search(x[1])))


BOTH = lambda name: (name + '-32', name + '-64')   # noqa: E731

IRQ_LATENCY = ('the SDM fixes no latency between the I/O write that raises '
               'an interrupt and its recognition (interrupts are taken at an '
               'instruction boundary, SDM vol. 3A 7.6 "Program or task '
               'restart"/12.8.4); lapis takes it before the next instruction, '
               'QEMU TCG at the end of the translation block; the later checks '
               'show QEMU does deliver it')

KNOWN = [
    # exceptions
    Known(('exceptions-64',), r'^\.\.\. with error code vector\*8\+2 \(IDT\)$',
          'qemu-bug',
          'QEMU 7.2 reports a 64-bit IDT gate fault with the byte offset, '
          'vector*16+2; the error code holds the IDT index with IDT=1, '
          'vector*8+2 (SDM vol. 3A 7.13 "Error Code", figure "Error Code")'),
    # MSRs
    Known(BOTH('msr-cpuid'), r'^(RD|WR)MSR of an unknown MSR raises #GP',
          'qemu-bug',
          'QEMU TCG reads 0 from and ignores MSRs it does not implement; '
          'RDMSR/WRMSR of a reserved or unimplemented MSR raise #GP(0) '
          '(SDM vol. 2B RDMSR, WRMSR: "Protected Mode Exceptions")'),
    Known(BOTH('msr-cpuid'), r'^setting a reserved EFER bit raises #GP',
          'qemu-bug',
          'QEMU TCG drops reserved IA32_EFER bits silently; a 1 written to a '
          'reserved MSR bit raises #GP(0) (SDM vol. 2B WRMSR; vol. 4 table '
          '2-2, IA32_EFER bits 63:12 reserved)'),
    Known(('msr-cpuid-64',), r'^clearing EFER\.LME with paging on raises #GP',
          'qemu-bug',
          'QEMU TCG lets EFER.LME change while CR0.PG=1; "IA32_EFER.LME '
          'cannot be modified while paging is enabled", WRMSR raises #GP(0) '
          '(SDM vol. 3A 4.1.2 "Paging-Mode Enabling")'),
    # paging
    Known(('paging-64',), r'^a reserved PTE bit: ',
          'qemu-bug',
          'QEMU 7.2 reports the reserved-bit #PF with P=0 (error 0x8); a '
          'reserved bit is only found in a present entry, so the error code '
          'has P=1 with RSVD=1, 0x9 (SDM vol. 3A 4.7 "Page-Fault Exceptions")'),
    # IA32_APIC_BASE
    Known(BOTH('irq-apic-base'),
          r'^(version register at the new base|registers kept across the '
          r'move|the old base no longer decodes|self-IPI through the moved page)',
          'qemu-bug',
          'QEMU 7.2 TCG keeps the xAPIC page at 0xFEE00000 whatever '
          'IA32_APIC_BASE says; the base field relocates the APIC registers '
          '(SDM vol. 3A 12.4.5 "Relocating the Local APIC Registers")'),
    Known(BOTH('irq-apic-base'), r'^globally disabled: the page reads all ones',
          'qemu-bug',
          'QEMU 7.2 keeps decoding the xAPIC page with IA32_APIC_BASE.EN=0; '
          'a globally disabled APIC is as if absent, its page no longer '
          'decodes (SDM vol. 3A 12.4.3 "Enabling or Disabling the Local APIC")'),
    Known(BOTH('irq-apic-base'), r'^re-enabled: TPR reset',
          'open',
          'after EN=0 "prior initialization to the APIC may be lost and the '
          'APIC may return to the power-up state" (SDM vol. 3A 12.4.3, and '
          '12.12.5.1: state is not preserved across the disabled state); '
          'lapis returns to the power-up state (TPR 0), QEMU keeps TPR'),
    Known(BOTH('irq-apic-base'),
          r'^(EXTD without EN|disabled -> x2APIC|xAPIC -> x2APIC|self-IPI in '
          r'x2APIC|x2APIC -> xAPIC|x2APIC -> disabled|self-IPI back in xAPIC)',
          'unmodelled',
          'QEMU 7.2 TCG has no x2APIC (CPUID.1:ECX[21] clear even with -cpu '
          'max); lapis\'s -cpu max has it (SDM vol. 3A 12.12)',
          skip=r'^SKIP x2APIC transitions'),
    # IPIs
    Known(BOTH('irq-ipi'),
          r'^lowest priority (goes to the CPU with the lowest TPR|among CPUs 0, 1, 3)',
          'qemu-bug',
          'QEMU 7.2 delivers a lowest-priority IPI to the first CPU of the '
          'destination set whatever the TPRs ("XXX: search for focus '
          'processor, arbitration"); it goes to the CPU with the lowest '
          'priority (SDM vol. 3A 12.6.2.4 "Lowest Priority Delivery Mode")'),
    Known(BOTH('irq-ipi'), r'^equal TPRs: lowest-priority IPIs reach more than one CPU',
          'open',
          'with equal priorities the SDM leaves the choice to the focus '
          'processor/arbitration (P6) or the chipset (Pentium 4 and later), '
          'which may always pick the same CPU (SDM vol. 3A 12.6.2.4); lapis '
          'rotates like the P6 arbitration, QEMU always picks the first'),
    Known(BOTH('irq-ipi'), r'^logical 0xFF is a broadcast in cluster mode',
          'qemu-bug',
          'QEMU 7.2 matches logical 0xFF in the cluster model as cluster 15 '
          'and reaches nobody; setting all destination bits to 1 broadcasts '
          'in both logical models (SDM vol. 3A 12.6.2.2 "Logical '
          'Destination Mode"); later QEMU releases fixed it'),
    Known(BOTH('irq-ipi'), r'(x2APIC|EXTD|SELF_IPI MSR)', 'unmodelled',
          'QEMU 7.2 TCG has no x2APIC (SDM vol. 3A 12.12); lapis\'s -cpu max '
          'has it', skip=r'^SKIP x2APIC checks'),
    # IOAPIC and PIC
    Known(BOTH('irq-ioapic'),
          r'^(edge interrupt taken right after the OUT|a second rising edge, '
          r'a second interrupt|level interrupt taken right after the OUT)',
          'latency', IRQ_LATENCY),
    Known(BOTH('irq-ioapic'),
          r'(EOI broadcast suppressed|EOI was not broadcast|EOI register|'
          r'first delivery of a held line)',
          'unmodelled',
          'QEMU 7.2\'s LAPIC does not offer EOI-broadcast suppression '
          '(version register bit 24 clear), so the guest skips the IOAPIC '
          'EOI register checks (SDM vol. 3A 12.8.5; 82093AA version 0x20)',
          skip=r'^SKIP EOI register checks'),
    Known(BOTH('irq-pic'),
          r'^(ExtINT through LINT0: taken right after the OUT|unmasking '
          r'delivers it|PIC-only mode with the LAPIC disabled$)',
          'latency', IRQ_LATENCY),
    # LAPIC timer
    Known(('irq-timer-32-icount', 'irq-timer-64-icount'),
          r'^(one-shot fires no earlier than 100 us|current count follows the '
          r'TSC|periodic firing k comes no earlier than t0 \+ k periods)',
          'host',
          'under -icount QEMU\'s TSC counts virtual nanoseconds (1 GHz), '
          'lapis\'s keeps its 2 GHz; the guest measures in 2 GHz TSC cycles '
          '(100 us = 200000), so on QEMU every interval looks half as long '
          '(the TSC rate is model-specific, SDM vol. 3B "Time-Stamp Counter")'),
    Known(BOTH('irq-timer'), r'^periodic timer fires again and again \(\d+\)$',
          'host',
          'the number printed is the firing count when the guest evaluated '
          'the argument, which depends on scheduling; both fire 8 times'),
    Known(BOTH('irq-timer'), r'^one-shot fires no earlier than 100 us \(\d+ cycles\)$',
          'host',
          'the cycle count printed is how late the host ran the timer; both '
          'fire no earlier than programmed'),
    Known(BOTH('irq-timer'), r'^current count follows the TSC: \d+$',
          'host',
          'the guest assumes lapis\'s fixed 2 GHz TSC (docs/cpu.md) for '
          'its 1 ms delay and its bounds; QEMU TCG\'s TSC is the host\'s '
          '(2.6 GHz on the review host), so the delay is 0.77 ms and the '
          'count read falls outside the window; the TSC rate is '
          'model-specific (SDM vol. 3B "Time-Stamp Counter")'),
    Known(BOTH('irq-timer'), r'^writing 0 to the initial count stops the periodic timer$',
          'host',
          'the value is how many periods fired before the write, which '
          'depends on how the host scheduled the run; both stop'),
    Known(BOTH('irq-timer'), r'(TSC-deadline|TSC_DEADLINE|deadline)', 'unmodelled',
          'QEMU 7.2 TCG has no TSC-deadline timer (CPUID.1:ECX[24] clear); '
          'lapis\'s -cpu max has it (SDM vol. 3A 12.5.4.1)',
          skip=r'^SKIP TSC-deadline'),
    # SSE (tests/guest/sse: each op against the host CPU's results)
    Known(BOTH('sse'), r'^(rcp|rsqrt)(ps|ss): \d+ cases, \d+ differ from the host$',
          'open',
          'RCPPS/RCPSS/RSQRTPS/RSQRTSS return approximations whose exact bits '
          'the SDM leaves to the implementation (relative error at most '
          '1.5*2^-12, SDM vol. 2B RCPPS, RSQRTPS); lapis reproduces the '
          'host\'s, QEMU 7.2 returns the correctly rounded value'),
    Known(BOTH('sse'),
          r'^((add|sub|mul|div|min|max|sqrt)(ps|pd|ss|sd)|cmp(ps|pd|ss|sd)\d|'
          r'u?comis[sd]|cvt(ps2pd|pd2ps|ss2sd|sd2ss)|addsubp[sd]|h(add|sub)p[sd]): '
          r'\d+ cases, \d+ differ from the host$',
          'qemu-bug',
          'QEMU 7.2 leaves MXCSR.DE clear when a source operand is denormal; '
          'with DAZ=0 the CPU sets that flag, as the host does (SDM vol. 1 '
          '11.5.2.2 "Denormal-Operand Exception (#D)"); the results agree'),
    Known(BOTH('sse'),
          r'^(unmasked zero divide raises #XM|#XM: ZE set|without '
          r'CR4\.OSXMMEXCPT it is #UD)',
          'qemu-bug',
          'QEMU 7.2 raises no SIMD floating-point exception: an unmasked one '
          'is #XM with CR4.OSXMMEXCPT=1 and #UD without it, the destination '
          'left unchanged (SDM vol. 3A 7.15 "Interrupt 19 - SIMD '
          'Floating-Point Exception (#XM)")'),
    Known(BOTH('sse'), r'^LDMXCSR with a reserved bit raises #GP', 'qemu-bug',
          'QEMU 7.2 loads reserved MXCSR bits; LDMXCSR raises #GP(0) for a 1 '
          'in a reserved bit (SDM vol. 2A LDMXCSR)'),
    Known(BOTH('sse'), r'^FXSAVE stores XMM3 and MXCSR where the SDM says', 'qemu-bug',
          'follows from the LDMXCSR entry: on QEMU MXCSR still holds the '
          'value LDMXCSR should have refused, so FXSAVE stores it, not 0x1F80'),
    # x87 (tests/guest/fpu: each case against the host FPU's results)
    Known(BOTH('fpu'), r"^\d+ of \d+ cases of '", 'qemu-bug',
          'QEMU 7.2\'s x87 differs from the host FPU the table was made on '
          '(lapis matches it): the case harness overflows the register stack, '
          'which the host reports as IE|SF with C1 (SDM vol. 1 8.5.1.1 "Stack '
          'Overflow or Underflow Exception (#IS)") and QEMU does not model; '
          'the first failing case of every instruction shows only that',
          qemu_only=True),
    Known(BOTH('fpu'), r'^x87 instruction cases match the host FPU$', 'qemu-bug',
          'the summary of the per-instruction lines above (QEMU has no x87 '
          'stack fault, SDM vol. 1 8.5.1.1)'),
    Known(BOTH('fpu'),
          r'^(a ninth push: stack overflow|masked stack overflow pushes the '
          r'real indefinite|FADD on an empty stack: underflow)',
          'qemu-bug',
          'QEMU 7.2 does not detect x87 stack overflow/underflow: no IE|SF, '
          'no real indefinite (SDM vol. 1 8.5.1.1)'),
    Known(BOTH('fpu'), r'^inexact, rounded up: PE, C1$', 'qemu-bug',
          'QEMU 7.2 leaves C1 clear when an inexact result was rounded up; '
          'C1 is set then (SDM vol. 1 8.5.6 "Inexact-Result (Precision) '
          'Exception (#P)")'),
    Known(BOTH('fpu'), r'^FSAVE \+18: opcode DD 05$', 'open',
          'QEMU 7.2 stores FOP as 0; whether FOP is kept for an instruction '
          'without an unmasked exception depends on the processor\'s FOP '
          'code compatibility mode (SDM vol. 1 8.1.10 "x87 FPU Last '
          'Instruction Opcode"); lapis always keeps it'),
    Known(BOTH('fpu'), r'^FRSTOR then FSAVE gives back the same image$', 'qemu-bug',
          'FRSTOR loads the whole environment, pointers and opcode included '
          '(SDM vol. 2A FRSTOR); QEMU 7.2\'s image differs afterwards (its '
          'FRSTOR does not reload the pointer/opcode fields; not checked '
          'field by field)'),
    Known(BOTH('fpu'), r'^FLD1 with an exception pending: #MF', 'qemu-bug',
          'QEMU 7.2 checks for a pending unmasked x87 exception only at '
          'FWAIT; every waiting x87 instruction raises #MF first with '
          'CR0.NE=1 (SDM vol. 1 8.6 "x87 FPU Exception Synchronization")'),
    Known(BOTH('fpu'), r'.', 'qemu-crash',
          'QEMU 7.2 aborts right after (tcg_handle_interrupt: assertion '
          'qemu_mutex_iothread_locked() failed, raised by the CR0.NE=0 '
          'FERR# path); the remaining checks never run there'),
    # BMI1 (tests/guest/arith, run with -cpu max)
    Known(BOTH('arith'), r'^BMI1: results and defined flags match the SDM',
          'qemu-bug',
          'QEMU 7.2 sets flags of ANDN/BEXTR/BLSI/BLSMSK/BLSR that the SDM '
          'defines otherwise (CF from the source for BLSI/BLSMSK/BLSR, CF '
          'and OF cleared for ANDN/BEXTR; SDM vol. 2A, each instruction\'s '
          '"Flags Affected"); lapis\'s results were also checked against a '
          'host CPU with BMI1'),
    Known(BOTH('arith'), r'^BZHI \(not modelled\): #UD', 'open',
          'BZHI is BMI2, which lapis\'s -cpu max does not advertise (so '
          'it raises #UD, SDM vol. 2A BZHI "#UD if CPUID.07H:EBX.BMI2 = '
          '0"); QEMU 7.2\'s max advertises and runs it'),
    # hardware task switches (tests/guest/tasks)
    Known(('tasks-32',), r'^(#SS on a broken stack|#DF)', 'qemu-bug',
          'QEMU TCG does not check the SS limit, so the PUSH past the small '
          'stack segment does not raise #SS and no #DF reaches the task '
          'gate (SDM vol. 3A 5.3 "Limit Checking", 7.3 task switching '
          'through a task gate in the IDT)'),
    Known(('tasks-32',), r'.', 'qemu-stopped',
          'after the missing #DF above, QEMU\'s guest takes an unexpected '
          'exception and ends; lapis runs the remaining task-switch checks'),
    # segment limits and types (tests/guest/segments)
    Known(('segments-32',),
          r'(limit|read-only data segment|the read-only segment was not '
          r'written|null GS|execute-only CS|write through CS|expand-down|'
          r'instructions inside the limit ran|16-bit code ran up to|'
          r'16-bit faulting read|faulting read left its destination|'
          r'the ring-1 handler did not run|the faulting delivery wrote '
          r'nothing)',
          'qemu-bug',
          'QEMU TCG does not check segment limits or types on data accesses '
          'and instruction fetches in protected mode; an access outside the '
          'limit or of the wrong type raises #GP(0), or #SS(0) through SS '
          '(SDM vol. 3A "Limit Checking", "Type Checking", 5.3-5.4)'),
    Known(('segments-32',), r'.', 'qemu-stopped',
          'without the new-stack limit check QEMU\'s guest runs the ring-1 '
          'handler on a stack it should not have used and never comes back '
          '(the run times out); lapis runs the remaining checks'),
    Known(('segments-64',),
          r'^64-bit: (non-canonical RSP-based address|PUSH with a '
          r'non-canonical RSP|POP with a non-canonical RSP)', 'qemu-bug',
          'QEMU 7.2 raises #GP for a non-canonical stack reference; a '
          'non-canonical address through SS (RSP/RBP base) raises #SS(0) '
          '(SDM vol. 2A, 64-bit mode exceptions of MOV; vol. 3A 7.15 #SS)'),
    # Multiboot
    Known(BOTH('mbinfo'), r'^mem_upper matches the usable range above 1 MiB$',
          'firmware',
          'under QEMU the e820 map is SeaBIOS\'s, which reserves the top '
          '128 KiB of RAM for itself; lapis has no BIOS in RAM; both '
          'mem_upper values match their own map (Multiboot 0.6.96 3.3)'),
]


def load_tests(build):
    """The guest tests meson defines that run-guest-test.py runs:
    {test name: (image, image name, extra args, expected status)}.  One
    image may run in several tests (the -icount runs of the irq programs)."""
    path = os.path.join(build, 'meson-info', 'intro-tests.json')
    with open(path) as f:
        tests = json.load(f)
    out = {}
    for t in tests:
        cmd = t['cmd']
        if len(cmd) < 4 or not cmd[1].endswith('run-guest-test.py'):
            continue
        img = cmd[3]
        name = t['name'][len('guest-'):] if t['name'].startswith('guest-') else t['name']
        extra, status, i = [], 1, 4
        while i < len(cmd):
            arg = cmd[i]
            if arg.startswith('--extra='):
                extra.append(arg[len('--extra='):])
            elif arg == '--extra':
                i += 1
                extra.append(cmd[i])
            elif arg == '--expect-status':
                i += 1
                status = int(cmd[i])
            elif not arg.startswith('--') or '=' in arg:
                pass
            elif i + 1 < len(cmd) and not cmd[i + 1].startswith('--'):
                i += 1          # --expect-line, --timeout, --repeat: a value
            i += 1
        out[name] = (img, os.path.basename(img)[:-4], extra, status)
    return out


VALUES = re.compile(r': got (0x[0-9a-f]+) expected (0x[0-9a-f]+)$')


def run(emu, img, extra):
    """Run IMG on EMU: (exit status, [(verdict, description, values)]) plus
    the PASS:/FAIL: line as a check of its own."""
    cmd = [emu, '-display', 'none', '-serial', 'stdio', '-no-reboot',
           '-device', 'isa-debug-exit,iobase=0xf4,iosize=4', '-kernel', img]
    cmd += extra
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
            desc, values = m.group(2), ''
            v = VALUES.search(desc)
            if v:
                desc, values = desc[:v.start()], v.group(0)
            lines.append((m.group(1), desc, values))
        elif line.startswith('PASS:') or line.startswith('FAIL:'):
            lines.append(('end', line, ''))
        elif line.startswith('# SKIP'):
            lines.append(('skip', line[2:], ''))
    return status, lines


def show(line):
    if line is None:
        return '<none>'
    if line[0] == 'end':
        return line[1]
    if line[0] == 'skip':
        return '# ' + line[1]
    if line[0] == 'status':
        return 'exit status ' + line[1]
    return '%s - %s%s' % line


def numbers_masked(desc):
    return re.sub(r'\d+', 'N', desc)


def compare(names, lapis, qemu, want_status):
    """Compare one test's two runs; returns (report lines, unexplained
    count, known count)."""
    (ls, ll), (qs, ql) = lapis, qemu
    report, unexplained, known = [], 0, 0

    def key(line):
        return (line[0], numbers_masked(line[1]))
    # Align by description so one missing line does not shift the rest;
    # numbers in descriptions (cycle counts) do not stop two lines aligning.
    sm = difflib.SequenceMatcher(None, [key(x) for x in ll], [key(x) for x in ql],
                                 autojunk=False)
    pairs = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == 'equal' or (op == 'replace' and i2 - i1 == j2 - j1):
            pairs += [(ll[i1 + k], ql[j1 + k]) for k in range(i2 - i1)]
        else:
            pairs += [(x, None) for x in ll[i1:i2]]
            pairs += [(None, y) for y in ql[j1:j2]]
    qemu_skips = [y[1] for y in ql if y[0] == 'skip']
    summary = []
    for x, y in pairs:
        if x == y:
            continue
        if (x and x[0] == 'end') or (y and y[0] == 'end'):
            summary.append((x, y))
            continue
        entry = next((k for k in KNOWN if k.applies(names, x, y, qemu_skips, qs)), None)
        if entry:
            known += 1
            report.append('    known difference (%s): %s' % (entry.kind, (x or y)[1]))
            report.append('        lapis: %s\n        qemu:  %s' % (show(x), show(y)))
            report.append('        why: %s' % entry.why)
        else:
            unexplained += 1
            report.append('    lapis: %s\n    qemu:  %s' % (show(x), show(y)))
    # The final line and the status follow from the checks: explained when
    # every check difference is known and lapis ends as its test expects.
    tail = summary + ([(('status', str(ls), ''), ('status', str(qs), ''))]
                      if ls != qs else [])
    for x, y in tail:
        if unexplained == 0 and known > 0 and ls == want_status:
            report.append('    known difference: follows from the %d above: '
                          'lapis "%s", qemu "%s"' % (known, show(x), show(y)))
        else:
            unexplained += 1
            report.append('    lapis: %s\n    qemu:  %s' % (show(x), show(y)))
    return report, unexplained, known


def main():
    p = argparse.ArgumentParser()
    p.add_argument('build')
    p.add_argument('--qemu', default=shutil.which('qemu-system-x86_64'))
    p.add_argument('--only', default=None)
    p.add_argument('-j', '--jobs', type=int, default=1,
                   help='tests run at once (the timing checks want 1)')
    a = p.parse_args()

    if not a.qemu:
        print('differential: qemu-system-x86_64 is not installed; nothing to compare')
        sys.exit(77)
    lapis = os.path.join(a.build, 'lapis')
    tests = load_tests(a.build)
    names = sorted(n for n in tests if not a.only or a.only in n)

    def both(name):
        img, _, extra, _ = tests[name]
        return run(lapis, img, extra), run(a.qemu, img, extra)

    with concurrent.futures.ThreadPoolExecutor(max(1, a.jobs)) as pool:
        results = dict(zip(names, pool.map(both, names)))

    differ = explained = 0
    lapis_fails = []
    for name in names:
        (ls, ll), (qs, ql) = results[name]
        _, image, _, want = tests[name]
        if ls != want:
            lapis_fails.append('%s (status %s, want %d)' % (name, ls, want))
        if ls == qs and ll == ql:
            print('same    %-28s (%d lines, status %s)' % (name, len(ll), ls))
            continue
        report, unexplained, known = compare((name, image), (ls, ll), (qs, ql), want)
        if unexplained:
            differ += 1
            print('DIFFER  %-28s lapis status %s, qemu status %s' % (name, ls, qs))
        else:
            explained += 1
            print('known   %-28s lapis status %s, qemu status %s (%d known '
                  'difference(s))' % (name, ls, qs, known))
        print('\n'.join(report))
    for f in lapis_fails:
        print('note: lapis does not pass %s' % f)
    print('%d test(s) differ unexplained, %d differ only in known ways, %d the same'
          % (differ, explained, len(names) - differ - explained))
    sys.exit(1 if differ else 0)


if __name__ == '__main__':
    main()
