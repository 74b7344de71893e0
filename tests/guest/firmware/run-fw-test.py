#!/usr/bin/env python3
"""Run a firmware guest test on lapis with a QMP monitor and report in TAP.

Like tests/guest/run-guest-test.py (the guest's own "ok"/"not ok" lines are
passed through and renumbered), plus what only the host can see (the guest starts, -S, once the monitor is
connected): the QMP
event that ends the run (--expect-event SHUTDOWN:guest-shutdown), and with
--stay-up (for -no-shutdown) that the emulator is still there afterwards,
stopped in the "shutdown" state, and exits on QMP quit. --need-kvm skips
the whole test where /dev/kvm cannot be opened.

usage: run-fw-test.py EMULATOR IMAGE [--expect-status N] [--expect-line S]
                      [--expect-event NAME:REASON] [--stay-up] [--need-kvm] [--reboot]
                      [--timeout S] [--extra ARG]...
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
t_out = threading.Thread(target=lambda: out_chunks.append(proc.stdout.read()))
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

    def command(self, name, deadline):
        self.s.sendall(json.dumps({'execute': name}).encode() + b'\n')
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
