#!/usr/bin/env python3
"""Run lapis's tests and print one closing line: N passed, N failed, N skipped.

Reads the test list from `meson introspect --tests` for the build folder and
runs each test program itself, so every g_test case counts on its own:
programs speak TAP (ok / not ok / # SKIP lines). A program that is not TAP
counts as one test: exit 0 passes, exit 77 skips, anything else fails.

usage: run-tests.py BUILD_DIR [--suite NAME]... [--verbose]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

TAP_RESULT = re.compile(r'^(not ok|ok)\b\s*(\d+)?\s*(?:-\s*)?([^#]*)(#\s*(\w+)\s*(.*))?$')
TAP_PLAN_SKIP = re.compile(r'^1\.\.0\s*#\s*(?:skip|SKIP)\w*\s*(.*)$', re.I)


def run_one(test, verbose):
    env = dict(os.environ)
    env.update(test.get('env') or {})
    cmd = test['cmd']
    timeout = test.get('timeout') or 300
    is_tap = test.get('protocol') == 'tap'
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, env=env, cwd=test.get('workdir') or None,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, timeout=timeout)
        out = proc.stdout.decode('utf-8', 'replace')
        rc = proc.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b'').decode('utf-8', 'replace')
        out += f'\n*** timed out after {timeout}s\n'
        rc = -1
    elapsed = time.monotonic() - start
    results = []            # (status, name, detail)
    if is_tap:
        for line in out.splitlines():
            m = TAP_PLAN_SKIP.match(line.strip())
            if m:
                results.append(('skip', test['name'], m.group(1)))
                continue
            m = TAP_RESULT.match(line.strip())
            if not m:
                continue
            ok = m.group(1) == 'ok'
            name = m.group(3).strip() or f'{test["name"]} #{m.group(2)}'
            directive = (m.group(5) or '').upper()
            if directive == 'SKIP':
                results.append(('skip', name, m.group(6)))
            elif directive == 'TODO':
                results.append(('fail', name, 'TODO: ' + m.group(6)))
            else:
                results.append(('pass' if ok else 'fail', name, ''))
        if rc != 0 and not any(r[0] == 'fail' for r in results):
            results.append(('fail', test['name'], f'exited with status {rc}'))
        if rc == 0 and not results:
            results.append(('fail', test['name'], 'reported no test results'))
    else:
        if rc == 0:
            results.append(('pass', test['name'], ''))
        elif rc == 77:
            results.append(('skip', test['name'], out.strip().splitlines()[-1:] or ''))
        else:
            results.append(('fail', test['name'], f'exited with status {rc}'))
    return results, out, elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('builddir')
    ap.add_argument('--suite', action='append', default=[])
    ap.add_argument('--verbose', '-v', action='store_true')
    args = ap.parse_args()

    tests = json.loads(subprocess.check_output(
        ['meson', 'introspect', '--tests', args.builddir]))
    if args.suite:
        tests = [t for t in tests if set(t.get('suite', [])) & set(
            f'lapis:{s}' for s in args.suite) or set(t.get('suite', [])) & set(args.suite)]
    totals = {'pass': 0, 'fail': 0, 'skip': 0}
    failed_logs = []
    for t in tests:
        results, out, elapsed = run_one(t, args.verbose)
        counts = {k: sum(1 for r in results if r[0] == k) for k in totals}
        for k in totals:
            totals[k] += counts[k]
        print(f'{t["name"]:<28} {counts["pass"]:4d} passed {counts["fail"]:3d} failed '
              f'{counts["skip"]:3d} skipped  ({elapsed:.1f}s)', flush=True)
        for status, name, detail in results:
            if status == 'fail':
                print(f'    FAIL {name} {detail}')
            elif status == 'skip':
                print(f'    skip {name}: {detail}'.rstrip(': '))
        if counts['fail'] or args.verbose:
            failed_logs.append((t['name'], out))
    for name, out in failed_logs:
        print(f'\n----- output of {name} -----')
        print(out[-20000:])
    print(f'{totals["pass"]} passed, {totals["fail"]} failed, {totals["skip"]} skipped')
    return 1 if totals['fail'] else 0


if __name__ == '__main__':
    sys.exit(main())
