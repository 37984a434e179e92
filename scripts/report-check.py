#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check kho-report's output in the serial log of a report scenario.

    report-check.py LOG NR_STAGES [CODES]

Every stage of the scenario ran /bin/kho-report after preserving its set
and before its kexec (tools/testing/selftests/kho/kho_init.c, with
khotest.report=1), and kho_scenario logged each folio, page range and blob
it handed over (log_items=1).  This compares, for every stage N:

  ran         both reports (text and JSON) are there, complete (no line lost
              on the console) and exited with 0
  text        the text report shows the outgoing side, and the incoming
              side from stage 2 on (stage 1 booted cold)
  warnings    the report raised no warning, or only warnings whose codes
              are in CODES (comma-separated); each of CODES must then show up
              in some stage, e.g. "fragmented" for thousands of scattered
              pages
  items       everything stage N's module handed over is in its out/ view:
              each folio as one block of its order, each page range fully
              covered, the blob covered and named by the "kho-scenario"
              subtree, and each folio preserved then withdrawn absent
and for every kexec from stage N to N + 1:

  handover    what stage N's report said it would hand over (out/) is
              exactly what stage N + 1's report says it received (in/):
              format, tree root, subtrees, every range, per-order totals,
              tree size
  kernel-log  stage N + 1's kernel log agrees with its in/ view: the
              number of blocks and KiB it reserved

Prints one "ok NAME" or "not ok NAME # WHY" line per check, and the text
reports as "# " comment lines.  Exit status 0 if every check passed.
"""

import json
import re
import sys

STAMP = re.compile(r'^\[ *[0-9.]+\] ')
BEGIN = re.compile(r'^# kho-report: begin stage=(\d+) format=(\w+)$')
END = re.compile(r'^# kho-report: end stage=(\d+) format=(\w+) status=(-?\d+) lines=(\d+)$')
ITEM = re.compile(r'kho_scenario: item stage=(\d+) (\w+) phys=(0x[0-9a-f]+) '
                  r'(order|pages)=(\d+)')
RESERVED = re.compile(r'KHO: reserved (\d+) preserved blocks, (\d+) KiB in (\d+) ranges')
STAGE = re.compile(r'^# khotest: stage (\d+) of (\d+)')
PAGE = 4096


def parse(path):
    """Reports, items and kernel reservation lines, by stage."""
    reports = {}        # (stage, format) -> {"lines": [...], "status": int}
    items = {}          # stage -> [(kind, phys, order_or_pages_key, value)]
    reserved = {}       # stage -> (blocks, kib, ranges)
    boot = 0            # kernels booted so far: the stage of kernel lines
    cur = None
    with open(path, 'rb') as f:
        for raw in f:
            line = STAMP.sub('', raw.decode('utf-8', 'replace').rstrip('\r\n'))
            if 'Linux version ' in line:
                boot += 1
            m = BEGIN.match(line)
            if m:
                cur = (int(m.group(1)), m.group(2))
                reports[cur] = {'lines': [], 'status': None}
                continue
            m = END.match(line)
            if m and cur == (int(m.group(1)), m.group(2)):
                reports[cur]['status'] = int(m.group(3))
                reports[cur]['sent'] = int(m.group(4))
                cur = None
                continue
            if cur and line.startswith('# kho-report| '):
                reports[cur]['lines'].append(line[len('# kho-report| '):])
                continue
            if cur and line == '# kho-report|':
                reports[cur]['lines'].append('')
                continue
            m = ITEM.search(line)
            if m:
                items.setdefault(int(m.group(1)), []).append(
                    (m.group(2), int(m.group(3), 16), m.group(4), int(m.group(5))))
                continue
            m = RESERVED.search(line)
            if m:
                reserved[boot] = tuple(int(g) for g in m.groups())
    return reports, items, reserved


class Checks:
    def __init__(self):
        self.failed = 0

    def result(self, name, why):
        if why:
            self.failed += 1
            print('not ok %s # %s' % (name, why))
        else:
            print('ok %s' % name)


def containing(ranges, addr):
    for r in ranges:
        if r['start'] <= addr < r['start'] + r['size']:
            return r
    return None


def covered(ranges, start, size):
    """Whether [start, start + size) lies in the union of the ranges."""
    end = start + size
    for r in sorted(ranges, key=lambda r: r['start']):
        if r['start'] <= start < r['start'] + r['size']:
            start = r['start'] + r['size']
            if start >= end:
                return True
    return False


def overlaps(ranges, start, size):
    return any(r['start'] < start + size and start < r['start'] + r['size']
               for r in ranges)


def check_items(side, items):
    """Why the stage's own list of items does not match its out/ view."""
    ranges = side['preserved']['ranges']
    for kind, phys, key, val in items:
        if kind == 'folio':
            r = containing(ranges, phys)
            if not r or r['order'] != val or (phys - r['start']) % (PAGE << val):
                return 'folio %#x order %d is not a preserved block of its order' % (phys, val)
        elif kind == 'gone':
            if overlaps(ranges, phys, PAGE << val):
                return 'withdrawn folio %#x order %d is still preserved' % (phys, val)
        elif kind == 'pages':
            if not covered(ranges, phys, val * PAGE):
                return '%d pages at %#x are not all preserved' % (val, phys)
        elif kind == 'blob':
            r = containing(ranges, phys)
            if not r or r['order'] != val:
                return 'the scenario blob %#x is not an order-%d block' % (phys, val)
            subs = {s['name']: s for s in side['fdt']['subtrees']}
            s = subs.get('kho-scenario')
            if not s or s['preserved_data'] != phys or s['blob_size'] != PAGE << val \
               or not s['preserved']:
                return 'subtree kho-scenario does not describe the blob at %#x: %s' % (phys, s)
    if not any(k == 'blob' for k, _, _, _ in items):
        return 'the module logged no items (log_items=1 missing?)'
    return None


def same_handover(out, inc):
    """Why what was handed over (out) differs from what arrived (inc)."""
    for key in ('compatible', 'abi_version', 'preserved_memory_map'):
        if out['fdt'][key] != inc['fdt'][key]:
            return 'fdt %s: %s before, %s after' % (key, out['fdt'][key], inc['fdt'][key])
    subs = lambda side: sorted((s['name'], s['preserved_data'], s['blob_size'])
                               for s in side['fdt']['subtrees'])
    if subs(out) != subs(inc):
        return 'subtrees differ: %s before, %s after' % (subs(out), subs(inc))
    po, pi = out['preserved'], inc['preserved']
    for key in ('blocks', 'pages', 'bytes', 'nr_ranges', 'runs', 'orders'):
        if po[key] != pi[key]:
            return 'preserved %s: %s before, %s after' % (key, po[key], pi[key])
    if po['ranges'] != pi['ranges']:
        diff = [r for r in po['ranges'] if r not in pi['ranges']][:3]
        return 'ranges differ, e.g. %s' % diff
    for key in ('tables', 'leaves', 'keys'):
        if out['tree'][key] != inc['tree'][key]:
            return 'tree %s: %s before, %s after' % (key, out['tree'][key], inc['tree'][key])
    return None


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    reports, items, reserved = parse(sys.argv[1])
    nr = int(sys.argv[2])
    allowed = set(filter(None, sys.argv[3].split(','))) if len(sys.argv) == 4 else set()
    seen = set()
    c = Checks()
    views = {}

    for n in range(1, nr + 1):
        text = reports.get((n, 'text'))
        js = reports.get((n, 'json'))
        why = None
        if not text or not js:
            why = 'no %s report' % ('text' if not text else 'JSON')
        elif any(len(r['lines']) != r.get('sent') for r in (text, js)):
            why = 'lines lost on the way to the log: text %d of %s, JSON %d of %s' % (
                len(text['lines']), text.get('sent'), len(js['lines']), js.get('sent'))
        elif text['status'] != 0 or js['status'] != 0:
            why = 'exit status %s (text), %s (JSON): %s' % (
                text['status'], js['status'], (text['lines'] or [''])[-1])
        else:
            try:
                views[n] = json.loads('\n'.join(js['lines']))
            except ValueError as e:
                why = 'JSON does not parse: %s' % e
        c.result('stage%d.ran' % n, why)
        if n not in views:
            continue
        for line in text['lines']:
            print('# stage %d | %s' % (n, line))
        body = '\n'.join(text['lines'])
        why = None
        if '== Outgoing' not in body:
            why = 'no outgoing section'
        elif n == 1 and 'No incoming handover' not in body:
            why = 'stage 1 booted cold but shows an incoming handover'
        elif n > 1 and '== Incoming' not in body:
            why = 'no incoming section'
        c.result('stage%d.text' % n, why)
        d = views[n]
        warns = [w for side in ('out', 'in') if d[side] for w in d[side]['warnings']]
        seen.update(w['code'] for w in warns)
        why = '; '.join('[%s] %s' % (w['code'], w['message'])
                        for w in warns if w['code'] not in allowed)
        c.result('stage%d.warnings' % n, why or None)
        if n < nr:
            c.result('stage%d.items' % n, check_items(d['out'], items.get(n, [])))

    if allowed:
        c.result('expected-warnings', ', '.join(sorted(allowed - seen)) and
                 'never raised: ' + ', '.join(sorted(allowed - seen)))

    for n in range(1, nr):
        if n not in views or n + 1 not in views:
            c.result('handover.%d-to-%d' % (n, n + 1), 'a report is missing')
            continue
        out, inc = views[n]['out'], views[n + 1]['in']
        why = None
        if not inc:
            why = 'stage %d received no handover' % (n + 1)
        elif not out['preserved'] or not inc['preserved']:
            why = 'no ranges in the views'
        else:
            why = same_handover(out, inc)
        c.result('handover.%d-to-%d' % (n, n + 1), why)
        if not why:
            p = out['preserved']
            print('# handover %d -> %d: %d blocks, %d pages in %d ranges (%d runs), '
                  '%d tree pages: identical before and after' %
                  (n, n + 1, p['blocks'], p['pages'], p['nr_ranges'], p['runs'],
                   out['tree']['tables'] + out['tree']['leaves']))

        why = None
        got = reserved.get(n + 1)
        if not got:
            why = 'no "KHO: reserved ..." line in the log of stage %d' % (n + 1)
        elif inc and inc['preserved']:
            p = inc['preserved']
            if got[0] != p['blocks'] or got[1] != p['bytes'] >> 10 or \
               got[2] not in (p['nr_ranges'], p['runs']):
                why = 'kernel reserved %d blocks, %d KiB in %d ranges; the report ' \
                      'shows %d blocks, %d KiB in %d ranges (%d runs)' % (
                          got + (p['blocks'], p['bytes'] >> 10, p['nr_ranges'], p['runs']))
        c.result('stage%d.kernel-log' % (n + 1), why)
    sys.exit(1 if c.failed else 0)


if __name__ == '__main__':
    main()
