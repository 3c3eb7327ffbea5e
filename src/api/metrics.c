/*
 * metrics: the API's own Prometheus figures (requests by route and status
 * class, their latency histogram, database errors), summed over every
 * worker.  The counters live in one anonymous MAP_SHARED mapping that the
 * master creates before it forks, so every worker, and every worker that
 * replaces a dead one, adds to the same atomics: a worker killed by
 * SIGKILL loses nothing it had counted, and a counter never goes back
 * until the master itself restarts (which Prometheus reads as a reset).
 * Calls nothing of the API above it; the route table is data it reads.
 */
#include "autoconfig.h"

#include <stdatomic.h>
#include <sys/mman.h>

#include "api/metrics.h"
#include "api/method.h"

#define ROUTES_MAX     64
#define STATUS_CLASSES 5

/* Latency bucket bounds in seconds: a request is 1 ms to seconds. */
static const double bounds[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
	                         0.25,  0.5,    1,     2.5,  5,     10 };
#define N_BOUNDS (sizeof(bounds) / sizeof(bounds[0]))

struct route_counts {
	atomic_ullong status[STATUS_CLASSES]; /* 1xx .. 5xx */
	atomic_ullong bucket[N_BOUNDS + 1];   /* per bucket, not cumulative; last: +Inf */
	atomic_ullong sum_us;
};

struct metrics_shared {
	struct route_counts route[ROUTES_MAX + 1]; /* last: requests that matched no route */
	atomic_ullong db_errors[2];                /* unavailable, failed statement */
};

static struct metrics_shared *shared;
static const struct route *table;
static size_t n_table;

int metrics_init(const struct route *routes, size_t n_routes)
{
	void *p = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	               -1, 0);

	if (p == MAP_FAILED)
		return -1;
	shared = p; /* zero-filled by the kernel */
	table = routes;
	n_table = n_routes < ROUTES_MAX ? n_routes : ROUTES_MAX;
	return 0;
}

void metrics_record(int route_index, int status, long elapsed_us)
{
	struct route_counts *c;
	double s = (double)elapsed_us / 1e6;
	size_t b = 0;

	if (shared == NULL)
		return;
	c = &shared->route[route_index >= 0 && (size_t)route_index < n_table ? (size_t)route_index
	                                                                     : ROUTES_MAX];
	if (status >= 100 && status < 600)
		atomic_fetch_add_explicit(&c->status[status / 100 - 1], 1, memory_order_relaxed);
	while (b < N_BOUNDS && s > bounds[b])
		b++;
	atomic_fetch_add_explicit(&c->bucket[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&c->sum_us, elapsed_us > 0 ? (unsigned long long)elapsed_us : 0,
	                          memory_order_relaxed);
}

void metrics_db_error(bool unavailable)
{
	if (shared != NULL)
		atomic_fetch_add_explicit(&shared->db_errors[unavailable ? 0 : 1], 1,
		                          memory_order_relaxed);
}

static void route_labels(size_t i, char *out, size_t size)
{
	if (i == ROUTES_MAX)
		snprintf(out, size, "method=\"other\",route=\"unmatched\"");
	else
		snprintf(out, size, "method=\"%s\",route=\"%s\"", http_method_name(table[i].method),
		         table[i].pattern);
}

static unsigned long long load(atomic_ullong *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static void render_requests(struct buf *out)
{
	char labels[256];

	buf_append_str(out, "# HELP acloud_http_requests_total API requests answered by the "
	                    "workers, by route and status class.\n"
	                    "# TYPE acloud_http_requests_total counter\n");
	for (size_t i = 0; i <= ROUTES_MAX; i++) {
		if (i >= n_table && i != ROUTES_MAX)
			continue;
		route_labels(i, labels, sizeof(labels));
		for (int k = 0; k < STATUS_CLASSES; k++) {
			unsigned long long n = load(&shared->route[i].status[k]);

			if (n > 0)
				buf_printf(out,
				           "acloud_http_requests_total{%s,code=\"%dxx\"} %llu\n",
				           labels, k + 1, n);
		}
	}
}

static void render_latency_of(struct buf *out, size_t i)
{
	struct route_counts *c = &shared->route[i];
	unsigned long long cumulative = 0;
	char labels[256];

	route_labels(i, labels, sizeof(labels));
	for (size_t b = 0; b <= N_BOUNDS; b++) {
		cumulative += load(&c->bucket[b]);
		if (b < N_BOUNDS)
			buf_printf(
				out,
				"acloud_http_request_duration_seconds_bucket{%s,le=\"%g\"} %llu\n",
				labels, bounds[b], cumulative);
		else
			buf_printf(
				out,
				"acloud_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %llu\n",
				labels, cumulative);
	}
	buf_printf(out, "acloud_http_request_duration_seconds_sum{%s} %.6f\n", labels,
	           (double)load(&c->sum_us) / 1e6);
	buf_printf(out, "acloud_http_request_duration_seconds_count{%s} %llu\n", labels,
	           cumulative);
}

static void render_latency(struct buf *out)
{
	buf_append_str(out, "# HELP acloud_http_request_duration_seconds Time from a request's "
	                    "arrival at a worker to its answer.\n"
	                    "# TYPE acloud_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i <= ROUTES_MAX; i++) {
		unsigned long long any = 0;

		if (i >= n_table && i != ROUTES_MAX)
			continue;
		for (size_t b = 0; b <= N_BOUNDS; b++)
			any += load(&shared->route[i].bucket[b]);
		if (any > 0)
			render_latency_of(out, i);
	}
}

void metrics_render(struct buf *out)
{
	if (shared == NULL)
		return;
	render_requests(out);
	render_latency(out);
	buf_printf(out,
	           "# HELP acloud_database_errors_total Database failures the API met: the "
	           "database unreachable, or a statement that failed.\n"
	           "# TYPE acloud_database_errors_total counter\n"
	           "acloud_database_errors_total{component=\"api\",kind=\"unavailable\"} %llu\n"
	           "acloud_database_errors_total{component=\"api\",kind=\"statement\"} %llu\n",
	           load(&shared->db_errors[0]), load(&shared->db_errors[1]));
}
