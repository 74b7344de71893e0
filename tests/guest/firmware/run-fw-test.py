#!/usr/bin/env python3
"""Run a firmware guest test on lapis with a QMP monitor and report in TAP.

Like tests/guest/run-guest-test.py (the guest's own "ok"/"not ok" lines are
passed through and renumbered), plus what only the host can see (the guest starts, -S, once the monitor is
connected): the QMP
event that ends the run (--expect-event SHUTDOWN:guest-shutdown), and with
--stay-up (for -no-shutdown) that the emulator is still there afterwards,
stopped in the "shutdown" state, and exits on QMP quit. --need-kvm skips
the whole test where /dev/kvm cannot be opened. --screendump-on LINE waits
for LINE on the serial port, takes a QMP screendump, runs --screen-check
CHECKER --tap PPM and folds its TAP results in, then quits over QMP.

usage: run-fw-test.py EMULATOR IMAGE [--expect-status N] [--expect-line S]
                      [--expect-event NAME:REASON] [--stay-up] [--need-kvm] [--reboot]
                      [--timeout S] [--screendump-on LINE --screen-check PROG]
                      [--extra ARG]...
"""
import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

p = argparse.ArgumentParser()
p.add_argument('emulator')
p.add_argument('image')
p.add_argument('--expect-status', type=int, default=1)
p.add_argument('--expect-line', default='PASS:')
p.add_argument('--expect-event', default=None)
p.add_argument('--stay-up', action='store_true')
p.add_argument('--need-kvm', action='store_true')
p.add_argument('--reboot', action='store_true',
               help='let a guest reset reboot it (no -no-reboot)')
p.add_argument('--timeout', type=float, default=90)
p.add_argument('--screendump-on', default=None)
p.add_argument('--screen-check', default=None)
p.add_argument('--extra', action='append', default=[])
a = p.parse_args()

if a.need_kvm:
    try:
        os.close(os.open('/dev/kvm', os.O_RDWR))
    except OSError as e:
        print('1..0 # SKIP needs /dev/kvm (%s)' % e.strerror)
        sys.exit(0)

results = []


def check(ok, what):
    results.append((bool(ok), what))


tmp = tempfile.mkdtemp(prefix='lapis-fw-')
sock_path = os.path.join(tmp, 'qmp.sock')
cmd = [a.emulator, '-display', 'none', '-serial', 'stdio'] + \
      ([] if a.reboot else ['-no-reboot']) + [
       '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
       '-qmp', 'unix:%s,server=on,wait=off' % sock_path, '-S',
       '-kernel', a.image] + a.extra
proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        stdin=subprocess.DEVNULL)
out_chunks, err_chunks = [], []
out_cond = threading.Condition()


def read_out():
    """Serial output as it comes, so a line can be waited for."""
    fd = proc.stdout.fileno()
    while True:
        d = os.read(fd, 4096)
        with out_cond:
            if d:
                out_chunks.append(d)
            out_cond.notify_all()
        if not d:
            return


def wait_serial(text, deadline):
    want = text.encode()
    with out_cond:
        while want not in b''.join(out_chunks):
            left = deadline - time.time()
            if left <= 0 or proc.poll() is not None:
                return want in b''.join(out_chunks)
            out_cond.wait(min(left, 0.2))
        return True


t_out = threading.Thread(target=read_out)
t_err = threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()))
t_out.start()
t_err.start()


class Qmp:
    def __init__(self, path, deadline):
        self.s = None
        while time.time() < deadline and proc.poll() is None:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(path)
                self.s = s
                break
            except OSError:
                time.sleep(0.02)
        self.buf = b''
        self.events = []

    def recv(self, deadline):
        """One JSON message, or None at EOF or the deadline."""
        while b'\n' not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                return None
            self.s.settimeout(left)
            try:
                d = self.s.recv(4096)
            except (socket.timeout, OSError):
                return None
            if not d:
                return None
            self.buf += d
        line, self.buf = self.buf.split(b'\n', 1)
        return json.loads(line) if line.strip() else self.recv(deadline)

    def command(self, name, deadline, args=None):
        msg = {'execute': name}
        if args is not None:
            msg['arguments'] = args
        self.s.sendall(json.dumps(msg).encode() + b'\n')
        while True:
            m = self.recv(deadline)
            if m is None or 'event' not in m:
                return m
            self.events.append(m)

    def wait_event(self, name, deadline):
        for m in self.events:
            if m.get('event') == name:
                return m
        while True:
            m = self.recv(deadline)
            if m is None:
                return None
            if 'event' in m:
                self.events.append(m)
                if m['event'] == name:
                    return m


deadline = time.time() + a.timeout
q = Qmp(sock_path, deadline)
status = None
if q.s is None:
    check(False, 'QMP monitor reachable')
else:
    greeting = q.recv(deadline)
    check(greeting and 'QMP' in greeting, 'QMP greeting')
    r = q.command('qmp_capabilities', deadline)
    check(r and 'return' in r, 'QMP capabilities negotiated')
    # -S holds the guest until this monitor is there to see its end.
    r = q.command('cont', deadline)
    check(r and 'return' in r, 'QMP cont starts the guest')
    if a.expect_event:
        name, reason = a.expect_event.split(':')
        ev = q.wait_event(name, deadline)
        got = ev.get('data', {}).get('reason') if ev else None
        check(ev is not None and got == reason,
              'QMP event %s with reason %s (got %s)' % (name, reason, got))
        check(ev is not None and ev.get('data', {}).get('guest') is True,
              'the %s event says the guest caused it' % name)
    if a.screendump_on:
        ready = wait_serial(a.screendump_on, deadline)
        check(ready, 'the guest printed "%s"' % a.screendump_on)
        ppm = os.path.join(tmp, 'screen.ppm')
        r = q.command('screendump', deadline, {'filename': ppm}) if ready else None
        check(r and 'return' in r, 'QMP screendump (got %s)' % r)
        if r and 'return' in r and a.screen_check:
            c = subprocess.run([a.screen_check, '--tap', ppm],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=max(1, deadline - time.time()))
            for line in c.stdout.decode('utf-8', 'replace').splitlines():
                m = re.match(r'^(ok|not ok) \d+ (.*)$', line)
                if m:
                    check(m.group(1) == 'ok', 'screendump: ' + m.group(2))
                elif line.startswith('#') and not re.match(
                        r'^# (Start of|End of|random seed)', line):
                    print('# screen-check: ' + line[1:].strip())
            check(c.returncode == 0, 'screen-check exit status %d' % c.returncode)
        if os.path.exists(ppm):
            os.unlink(ppm)
        q.command('quit', deadline)
    if a.stay_up:
        time.sleep(0.5)
        check(proc.poll() is None, 'the emulator is still running after the '
              'shutdown (-no-shutdown)')
        r = q.command('query-status', deadline)
        st = r.get('return', {}) if r else {}
        check(st.get('status') == 'shutdown' and st.get('running') is False,
              'query-status: stopped in state "shutdown" (got %s)' % st)
        q.command('quit', deadline)
try:
    status = proc.wait(timeout=max(1, deadline - time.time()))
except subprocess.TimeoutExpired:
    proc.kill()
    proc.wait()
    err_chunks.append(b'timed out after %gs' % a.timeout)
t_out.join()
t_err.join()
out = b''.join(out_chunks).decode('utf-8', 'replace').replace('\r', '')
err = b''.join(err_chunks).decode('utf-8', 'replace')
try:
    os.unlink(sock_path)
except OSError:
    pass
os.rmdir(tmp)

n = 0
for line in out.splitlines():
    m = re.match(r'^(ok|not ok) \d+ - (.*)$', line)
    if m:
        n += 1
        print('%s %d - %s' % (m.group(1), n, m.group(2)))
    else:
        print('# ' + line)
for line in err.splitlines():
    print('# stderr: ' + line)
for ok, what in results:
    n += 1
    print('%s %d - %s' % ('ok' if ok else 'not ok', n, what))
ok = status == a.expect_status and a.expect_line in out
n += 1
print('%s %d - exit status %s (want %d) and "%s" on the serial port' %
      ('ok' if ok else 'not ok', n, status, a.expect_status, a.expect_line))
print('1..%d' % n)
sys.exit(0)
