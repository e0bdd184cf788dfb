// repro.sh: a POSIX sh script with no dependency on audit-harness. As root on a Linux host with auditd it applies
// the rules as the scenario did, runs the steps before the finding's step, runs that step between two
// `auditctl -m` markers, then prints `ausearch -i` of the scenario's key(s) for the events between the markers
// and one summary line per event (serial, syscall, key, record types) that is easy to compare.
import type { ApplySteps } from '../scenarios/apply.js';
import { shellQuote } from '../shell.js';
import type { StepTemplate } from './step-template.js';
import { varDefaults } from './step-template.js';

export interface ReproScriptInput {
  title: string;
  scenarioId: string;
  stepId: string;
  target: string;
  kernelRelease?: string;
  /** auditctl | auditctl-R | augenrules | none, and its steps (apply.ts's applySteps, the rules at reproRulesWord). */
  apply: { way: string; steps: ApplySteps };
  /** The rules' file name under rules/ in the repro directory. */
  rulesFileName: string;
  /** Commands of the steps before the finding's step, as the run sent them. */
  setup: Array<{ id: string; command: string }>;
  step: StepTemplate;
  keys: Array<{ key: string; exact: boolean }>;
}

/** The shell word repro.sh names its copy of the rules by (under rules/ beside it). */
export const reproRulesWord = (fileName: string) => `"$here/rules/"${shellQuote(fileName)}`;

/**
 * Shell lines that apply the rules as the run did: the same commands, and a file the way needs where it must be
 * (rules.d for augenrules) copied from rules/; auditctl -R loads rules/ in place (applySteps given reproRulesWord),
 * so the script writes nothing at a fixed path in /tmp of the host it runs on.
 */
function applyLines(x: ReproScriptInput): string[] {
  const { about, file, commands } = x.apply.steps;
  const out = [`# ${x.apply.way}: ${about}.`];
  if (file) {
    const to = shellQuote(file.path);
    const chmod = file.mode === undefined ? '' : ` && chmod ${file.mode.toString(8)} ${to}`;
    out.push(`cat ${reproRulesWord(x.rulesFileName)} > ${to}${chmod} || exit 2`);
  }
  for (const command of commands) out.push(`${command} || echo "repro.sh: exit $? from the line above"`);
  return out;
}

/** Shell lines that unload the step's module if it is loaded (named, or named after its file as kmod does). */
function unloadLines(x: ReproScriptInput): string {
  const has = (n: string) => x.step.vars.some((v) => v.name === n);
  if (has('MODULE_NAME')) return '[ -d "/sys/module/$MODULE_NAME" ] && rmmod "$MODULE_NAME"\n';
  if (!has('MODULE_FILE')) return '';
  return [
    'name=$(basename "$MODULE_FILE"); name=${name%%.ko*}; name=$(echo "$name" | tr - _)',
    '[ -d "/sys/module/$name" ] && rmmod "$name"',
    '',
  ].join('\n');
}

export function reproScript(x: ReproScriptInput): string {
  const unload = unloadLines(x);
  const keyArgs = x.keys.map((k) => `${shellQuote(k.key)}${k.exact ? ' -w' : ''}`);
  return `#!/bin/sh
# Reproduces one audit-harness finding without audit-harness:
#   scenario ${x.scenarioId} (${x.title}), step ${x.stepId}
#   recorded on ${x.target}${x.kernelRelease ? ` (kernel ${x.kernelRelease})` : ''}
# Run as root on a Linux host with auditd running (auditctl, ausearch). It CHANGES the host's audit rules (auditctl -D,
# then the rules of rules/): use a test machine or VM. Variables below can be set in the environment.
# Prints: the host's facts, auditctl -l, each step's exit status, then for each key the events logged between the
# step's markers (ausearch -i) and one "event SERIAL syscall=... key=... types=..." line per event.
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || { echo "repro.sh: run as root" >&2; exit 2; }
for tool in auditctl ausearch; do
  command -v "$tool" >/dev/null 2>&1 || { echo "repro.sh: $tool not found (install auditd)" >&2; exit 2; }
done
auditctl -s >/dev/null 2>&1 || { echo "repro.sh: auditctl -s failed: is auditd running, are you root?" >&2; exit 2; }
${varDefaults(x.step.vars)}
tag="audit-harness-repro-$(date +%s)-$$"

echo "== facts"
echo "kernel: $(uname -r) $(uname -m)"
[ -r /etc/os-release ] && . /etc/os-release && echo "os: \${PRETTY_NAME:-unknown}"
echo "kmod: $(kmod --version 2>/dev/null | head -n 1)"
echo "auditctl: $(auditctl -v 2>/dev/null)"
for p in /sbin /bin /usr/sbin/insmod /sbin/insmod; do [ -L "$p" ] && echo "layout: $p -> $(readlink "$p")"; done
${x.step.vars.map((v) => `echo "${v.name}: $${v.name}"`).join('\n')}

echo "== reset: no rules${unload ? ', the module not loaded' : ''}"
auditctl -D >/dev/null
${unload}
echo "== apply (${x.apply.way})"
${applyLines(x).join('\n')}
echo "== rules loaded (auditctl -l)"
auditctl -l
${x.setup.length ? `\n# The scenario's steps before ${x.stepId}, as they ran (outside the markers).\n` : ''}${x.setup.map((s) => `echo "== setup step ${s.id}"\n${s.command}\necho "exit status $?"`).join('\n')}

echo "== step ${x.stepId}"
auditctl -m "$tag begin" || { echo "repro.sh: auditctl -m failed" >&2; exit 2; }
${x.step.command}
rc=$?
auditctl -m "$tag end" || { echo "repro.sh: auditctl -m failed" >&2; exit 2; }
echo "exit status $rc"

# auditd writes asynchronously: wait until the end marker is in the log.
serial_of() {
  ausearch --input-logs -m USER --raw 2>/dev/null | grep -F "text=$tag $1 " | sed -n 's/.*msg=audit([0-9.]*:\\([0-9]*\\)).*/\\1/p' | tail -n 1
}
i=0
while [ -z "$(serial_of end)" ]; do
  i=$((i + 1)); [ $i -gt 150 ] && { echo "repro.sh: the end marker never reached the audit log" >&2; exit 2; }
  sleep 0.1
done
begin=$(serial_of begin)
end=$(serial_of end)
echo "markers: serials $begin and $end"

# Its files in a directory of its own (mktemp -d: new, private), none at a name another user could guess first.
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
for keyargs in ${keyArgs.map((k) => shellQuote(k)).join(' ')}; do
  # $keyargs is KEY or "KEY -w"; split on purpose.
  # shellcheck disable=SC2086
  set -- $keyargs
  echo "== events with key $1 between the markers (ausearch -i)"
  ausearch --input-logs -k "$@" --raw > "$tmp/key" 2>/dev/null
  # The window's events (serials strictly between the markers), less the end marker's own auditctl (an execve
  # rule can log it): read twice, first to find that event, then to print the others.
  awk -v b="$begin" -v e="$end" '
    { s = ""; if (match($0, /msg=audit\\([0-9.]+:[0-9]+\\)/)) { s = substr($0, RSTART, RLENGTH); sub(/.*:/, "", s); sub(/\\)/, "", s) } }
    NR == FNR { if (s != "" && $0 ~ /^type=EXECVE / && $0 ~ / a0="auditctl" a1="-m" /) skip[s] = 1; next }
    s != "" && s + 0 > b + 0 && s + 0 < e + 0 && !(s in skip) { print }' "$tmp/key" "$tmp/key" > "$tmp/window"
  if [ -s "$tmp/window" ]; then
    ausearch -if "$tmp/window" -i
    echo "== summary of key $1"
    ausearch -if "$tmp/window" -i | awk '
      /^----/ { if (n) print line; line = ""; n = 0; next }
      /^type=/ {
        t = $1; sub(/^type=/, "", t); if (!n) { sc = "(none)"; k = "(none)" }; types = (n ? types "," : "") t; n++
        if (match($0, /msg=audit\\([^)]*:[0-9]+\\)/)) { s = substr($0, RSTART, RLENGTH); sub(/.*:/, "", s); sub(/\\)/, "", s) }
        if (t == "SYSCALL") { sc = $0; sub(/.* syscall=/, "", sc); sub(/ .*/, "", sc); k = $0; if (k ~ / key=/) { sub(/.* key=/, "", k); sub(/ .*/, "", k) } else k = "(none)" }
        line = "event " s " syscall=" sc " key=" k " types=" types
      }
      END { if (n) print line }'
  else
    echo "<no event with key $1 between the markers>"
  fi
done
`;
}
