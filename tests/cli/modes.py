# modes.py - shared by t0461-modes.py, t0462-modes-my.py and
# t0463-modes-sqlite.py: one table compared by cutover diff in checksum
# mode and in stream mode, which must name the same rows and neither fail
# (exit 2).  Each script makes its engine's random tables and faults.
import subprocess


class Modes:
    """Both modes' exit status, rows named (sorted) and output."""

    def __init__(self, cut, table, src, dst):
        self.rc, self.lines, self.out = {}, {}, {}
        for mode in ('checksum', 'stream'):
            r = subprocess.run([cut, 'diff', '--mode', mode, '--max-diffs', '100000',
                                '-t', table, src, dst], capture_output=True, text=True)
            self.rc[mode] = r.returncode
            self.lines[mode] = sorted(l.strip() for l in r.stdout.splitlines()
                                      if l.startswith('  '))
            self.out[mode] = r.stdout + r.stderr

    def mismatch(self):
        return (2 in self.rc.values() or self.rc['checksum'] != self.rc['stream']
                or self.lines['checksum'] != self.lines['stream'])

    def report(self, what):
        """MISMATCH WHAT, then each mode's status, first rows and output's end."""
        s = f'MISMATCH {what}\n'
        for mode in ('checksum', 'stream'):
            s += f' {mode} rc {self.rc[mode]}: {self.lines[mode][:10]}\n'
        return s + '\n'.join(self.out[m][-600:] for m in ('checksum', 'stream'))
