// Types of the part of parse-prometheus-text-format (which ships none) the benches read.
declare module 'parse-prometheus-text-format' {
  /** One sample of a family; counters and gauges carry `value`, histograms and summaries their own fields. */
  export interface PrometheusSample {
    value?: string;
    labels?: Record<string, string>;
  }
  export interface PrometheusFamily {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    metrics: PrometheusSample[];
  }
  /** Parses the Prometheus text exposition format into metric families (prom2json's shape). */
  export default function parsePrometheusTextFormat(text: string): PrometheusFamily[];
}
