// Prometheus metrics on /metrics: the names the kit's alerts and dashboards read
// (http_requests_total{handler,method,status}, http_request_duration_seconds{handler,method}) and the
// process' own.
import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";

export interface HttpMetrics {
  registry: Registry;
  observe(handler: string, method: string, statusCode: number, seconds: number): void;
}

export function httpMetrics(): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: "http_requests_total", help: "HTTP requests by route template, method and status class.", labelNames: ["handler", "method", "status"], registers: [registry] });
  const duration = new Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request duration by route template and method.",
    labelNames: ["handler", "method"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return {
    registry,
    observe(handler, method, statusCode, seconds) {
      requests.inc({ handler, method, status: `${Math.floor(statusCode / 100)}xx` });
      duration.observe({ handler, method }, seconds);
    },
  };
}
