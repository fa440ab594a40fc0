// Reads the two sides of a monitoring check: what a /metrics exposition offers, and what a
// PromQL expression asks of it. Enough for the expressions we write ourselves (k8s/monitoring),
// not a PromQL parser: what it does not understand, it refuses rather than guesses.

/** The series names a query can select, each with the label names its samples carry. */
export interface Exposition {
  series: Map<string, Set<string>>;
  /** Series names with at least one sample (a metric nothing has written has none). */
  sampled: Set<string>;
}

const NAME = '[A-Za-z_:][\\w:]*';
const LABEL_PAIR = /([A-Za-z_]\w*)="(?:[^"\\]|\\.)*"/g;

export function parseExposition(text: string): Exposition {
  const series = new Map<string, Set<string>>();
  const sampled = new Set<string>();
  const add = (name: string, labels: string[] = []) => {
    const known = series.get(name) ?? new Set<string>();
    for (const label of labels) known.add(label);
    series.set(name, known);
  };
  for (const line of text.split('\n')) {
    const type = new RegExp(`^# TYPE (${NAME}) (\\w+)$`).exec(line);
    if (type) {
      const [, name, kind] = type as unknown as [string, string, string];
      // A histogram or summary is queried through the series it writes, never by its own name.
      if (kind === 'histogram' || kind === 'summary') {
        add(kind === 'histogram' ? `${name}_bucket` : name, [kind === 'histogram' ? 'le' : 'quantile']);
        add(`${name}_sum`);
        add(`${name}_count`);
      } else add(name);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const sample = new RegExp(`^(${NAME})(?:\\{(.*)\\})? \\S+$`).exec(line);
    if (!sample) throw new Error(`unreadable exposition line: ${line}`);
    add(sample[1]!, [...(sample[2] ?? '').matchAll(LABEL_PAIR)].map((m) => m[1]!));
    sampled.add(sample[1]!);
  }
  return { series, sampled };
}

export interface PromqlUse {
  /** Every series selected, with the label names its matchers use. */
  selectors: Array<{ metric: string; labels: string[] }>;
  /** Labels named by `by (...)`: what an aggregation keeps. */
  groupedBy: string[];
  /** Labels named by `without`, `on`, `ignoring`, `group_left`, `group_right`. */
  matchedOn: string[];
  functions: string[];
}

const FUNCTIONS = new Set([
  'sum', 'min', 'max', 'avg', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'group',
  'rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'predict_linear', 'changes', 'resets',
  'histogram_quantile', 'avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time',
  'count_over_time', 'quantile_over_time', 'last_over_time', 'absent', 'absent_over_time',
  'clamp', 'clamp_min', 'clamp_max', 'abs', 'round', 'ceil', 'floor', 'scalar', 'vector', 'time',
  'sort', 'sort_desc', 'label_replace', 'label_join',
]);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'group_left', 'group_right', 'inf', 'nan']);
const MATCHER = /([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)\s*""/g;
const CLAUSE = /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g;

export function readPromql(expr: string): PromqlUse {
  const use: PromqlUse = { selectors: [], groupedBy: [], matchedOn: [], functions: [] };
  // Strings are label values and regexes: emptied first, so nothing inside reads as a name.
  let rest = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  let depth = 0;
  for (const char of rest.replace(/\[[^\]]*\]/g, '')) {
    depth += char === '(' ? 1 : char === ')' ? -1 : 0;
    if (depth < 0) throw new Error(`unbalanced parentheses in ${expr}`);
  }
  if (depth !== 0) throw new Error(`unbalanced parentheses in ${expr}`);
  // Ranges and subqueries, Grafana's $__rate_interval among them.
  rest = rest.replace(/\[[^\]]*\]/g, ' ');
  rest = rest.replace(new RegExp(`(${NAME})?\\s*\\{([^}]*)\\}`, 'g'), (_, metric: string | undefined, matchers: string) => {
    if (!metric) throw new Error(`a selector without a metric name in ${expr}`);
    if (matchers.replace(MATCHER, '').replace(/[\s,]/g, '') !== '') throw new Error(`unreadable matchers {${matchers}} in ${expr}`);
    use.selectors.push({ metric, labels: [...matchers.matchAll(MATCHER)].map((m) => m[1]!) });
    return ' ';
  });
  rest = rest.replace(CLAUSE, (_, clause: string, labels: string) => {
    const names = labels.split(',').map((l) => l.trim()).filter(Boolean);
    (clause === 'by' ? use.groupedBy : use.matchedOn).push(...names);
    return ' ';
  });
  // What is left: functions (a name before a parenthesis), keywords, and bare selectors.
  for (const m of rest.matchAll(new RegExp(`(?<![\\w.:$])(${NAME})(\\s*\\()?`, 'g'))) {
    const name = m[1]!;
    if (m[2]) {
      if (!FUNCTIONS.has(name)) throw new Error(`unknown function ${name} in ${expr}`);
      use.functions.push(name);
    } else if (!KEYWORDS.has(name)) use.selectors.push({ metric: name, labels: [] });
  }
  return use;
}
