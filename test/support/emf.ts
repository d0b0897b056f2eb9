import { logLines } from './logs.js';

/** One metric value read back from a captured EMF line, as CloudWatch would extract it. */
export interface EmittedMetric {
  namespace: string;
  name: string;
  unit: string | undefined;
  value: unknown;
  /** Each dimension set, as name -> value (what an alarm or a dashboard selects on). */
  dimensionSets: Record<string, string>[];
}

interface EmfLine {
  _aws?: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit?: string }[];
    }[];
  };
  [key: string]: unknown;
}

/** Every metric in the EMF lines of a captured output (lines without `_aws` are ordinary logs). */
export function emfMetrics(output: string): EmittedMetric[] {
  const metrics: EmittedMetric[] = [];
  for (const line of logLines(output) as EmfLine[]) {
    for (const directive of line._aws?.CloudWatchMetrics ?? []) {
      const dimensionSets = directive.Dimensions.map((names) =>
        Object.fromEntries(names.map((name) => [name, String(line[name])])),
      );
      for (const metric of directive.Metrics) {
        metrics.push({
          namespace: directive.Namespace,
          name: metric.Name,
          unit: metric.Unit,
          value: line[metric.Name],
          dimensionSets,
        });
      }
    }
  }
  return metrics;
}

/** The metrics named `name`. */
export function metricsNamed(output: string, name: string): EmittedMetric[] {
  return emfMetrics(output).filter((metric) => metric.name === name);
}

/** Every series `name` was counted in (its dimension sets, across lines), in emission order. */
export function seriesOf(output: string, name: string): Record<string, string>[] {
  return metricsNamed(output, name).flatMap((metric) => metric.dimensionSets);
}
