/*
 * prometheus: GET /metrics (admin keys; Prometheus sends the key as its
 * bearer credential), the text exposition format.  The API's own figures
 * come from the workers' shared counters (metrics.c); the lab's come from
 * the database at scrape time: the devices' queue lengths and states as
 * they are now, and the counters and histograms the database keeps as
 * tasks change state (sql/009_reservations.sql), which only grow whatever
 * users delete.  A database that cannot answer leaves its families out of
 * the page rather than failing the scrape; its error is counted.
 */
#include "autoconfig.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/metrics.h"
#include "api/response.h"
#include "common/buf.h"

const struct db_statement metrics_statements[] = {
	{ "metrics_devices",
	  "SELECT d.name, coalesce(q.n, 0), d.available, d.maintenance,"
	  "       EXISTS (SELECT 1 FROM reservations v WHERE v.device_name = d.name"
	  "               AND v.period @> now())"
	  "  FROM devices d LEFT JOIN (SELECT queue, sum(queued) AS n FROM queue_users"
	  "       GROUP BY queue) q ON q.queue = 'device:' || d.name"
	  " WHERE d.configured ORDER BY d.name" },
	{ "metrics_counters",
	  "SELECT name, labels, value FROM metric_counters ORDER BY name, labels" },
	/* Every bucket of every series, cumulative, with the series' sum. */
	{ "metrics_histograms",
	  "SELECT k.name, k.labels, b.le,"
	  "       sum(coalesce(m.count, 0)) OVER (PARTITION BY k.name, k.labels ORDER BY b.le),"
	  "       sum(coalesce(m.sum, 0)) OVER (PARTITION BY k.name, k.labels)"
	  "  FROM (SELECT DISTINCT name, labels FROM metric_buckets) k"
	  " CROSS JOIN unnest(acloud_metric_bounds()) b(le)"
	  "  LEFT JOIN metric_buckets m ON m.name = k.name AND m.labels = k.labels AND m.le = b.le"
	  " ORDER BY k.name, k.labels, b.le" },
	{ NULL, NULL },
};

struct family {
	const char *name;
	const char *type;
	const char *help;
};

/* The families the database feeds, in page order. */
static const struct family device_families[] = {
	{ "acloud_device_queue_length", "gauge", "Tasks queued for the device." },
	{ "acloud_device_available", "gauge", "1 when the device takes new runs." },
	{ "acloud_device_maintenance", "gauge", "1 while the device is in maintenance." },
	{ "acloud_device_reserved", "gauge", "1 while a reservation of the device runs." },
};
static const struct family counter_families[] = {
	{ "acloud_tasks_finished_total", "counter",
	  "Tasks that reached a final state, by type, device class and outcome." },
	{ "acloud_scheduler_driver_errors_total", "counter",
	  "Times a scheduler found a device unreachable (a failed probe or a run that could "
	  "not reach it)." },
	{ "acloud_scheduler_rescues_total", "counter",
	  "Tasks of lost schedulers, requeued or failed by the lease rescue." },
};
static const struct family histogram_families[] = {
	{ "acloud_task_dispatch_latency_seconds", "histogram",
	  "Time from a task's creation to its claim by a scheduler." },
	{ "acloud_task_run_duration_seconds", "histogram",
	  "Time from a task's claim to its final state." },
};
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void family_head(struct buf *out, const struct family *f)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name, f->type);
}

static PGresult *scrape_query(struct request *r, const char *name)
{
	PGresult *res = db_exec(&r->ctx->db, name, 0, NULL);

	if (res != NULL && db_result_ok(res))
		return res;
	metrics_db_error(res == NULL);
	PQclear(res);
	return NULL;
}

static void render_devices(struct request *r, struct buf *out)
{
	PGresult *res = scrape_query(r, "metrics_devices");

	for (size_t f = 0; f < N_OF(device_families); f++) {
		family_head(out, &device_families[f]);
		for (int i = 0; res != NULL && i < PQntuples(res); i++) {
			const char *v = PQgetvalue(res, i, 1 + (int)f);

			buf_printf(out, "%s{device=\"%s\"} %s\n", device_families[f].name,
			           PQgetvalue(res, i, 0), f == 0 ? v : (v[0] == 't' ? "1" : "0"));
		}
	}
	PQclear(res);
}

static void render_counters(struct request *r, struct buf *out)
{
	PGresult *res = scrape_query(r, "metrics_counters");

	for (size_t f = 0; f < N_OF(counter_families); f++) {
		family_head(out, &counter_families[f]);
		for (int i = 0; res != NULL && i < PQntuples(res); i++)
			if (strcmp(PQgetvalue(res, i, 0), counter_families[f].name) == 0)
				buf_printf(out, "%s{%s} %s\n", counter_families[f].name,
				           PQgetvalue(res, i, 1), PQgetvalue(res, i, 2));
	}
	PQclear(res);
}

/* One series' rows, the +Inf bucket last, then its _sum and _count. */
static void render_histogram_rows(const PGresult *res, const char *name, struct buf *out)
{
	for (int i = 0; i < PQntuples(res); i++) {
		const char *labels = PQgetvalue(res, i, 1), *count = PQgetvalue(res, i, 3);
		double le = strtod(PQgetvalue(res, i, 2), NULL);

		if (strcmp(PQgetvalue(res, i, 0), name) != 0)
			continue;
		if (isinf(le)) {
			buf_printf(out, "%s_bucket{%s,le=\"+Inf\"} %s\n", name, labels, count);
			buf_printf(out, "%s_sum{%s} %s\n", name, labels, PQgetvalue(res, i, 4));
			buf_printf(out, "%s_count{%s} %s\n", name, labels, count);
		} else {
			buf_printf(out, "%s_bucket{%s,le=\"%g\"} %s\n", name, labels, le, count);
		}
	}
}

static void render_histograms(struct request *r, struct buf *out)
{
	PGresult *res = scrape_query(r, "metrics_histograms");

	for (size_t f = 0; f < N_OF(histogram_families); f++) {
		family_head(out, &histogram_families[f]);
		if (res != NULL)
			render_histogram_rows(res, histogram_families[f].name, out);
	}
	PQclear(res);
}

void handle_metrics(struct request *r, const struct field_map *in)
{
	struct buf out = { 0 };

	(void)in;
	metrics_render(&out);
	render_devices(r, &out);
	render_counters(r, &out);
	render_histograms(r, &out);
	if (out.data == NULL) {
		respond_error(r, 500, "Internal server error");
		return;
	}
	respond_bytes(r, 200, "text/plain; version=0.0.4; charset=utf-8", out.data, out.len);
	buf_free(&out);
}
