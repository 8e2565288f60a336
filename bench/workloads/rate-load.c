// Bench workload: a rate-limited HTTP/1.1 loader (wrk2 is not in Debian). GET requests at a fixed rate
// over a fixed set of keep-alive connections to 127.0.0.1:PORT; each request's latency runs from the
// moment it was due, not from when a connection was free, so a stall counts in full (no coordinated
// omission). One thread and epoll_pwait2's nanosecond timeout: it costs the machine far less CPU than a loader in Node,
// so on two shared cores the figure is the proxy's, not the loader's.
// Usage: rate-load PORT RATE SECONDS CONNECTIONS. Prints one JSON line: sent, ok, failed, p50, p99, max
// (ms), and the failures by kind.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 1024
#define BUF 8192

struct conn {
  int fd;
  int connected;
  int busy;       // a request is in flight
  double due;     // when the request in flight was due (ns)
  char buf[BUF];
  int len;
};

static struct conn conns[MAX_CONNS];
static int nconns, port, epfd;
static char request[256];
static int request_len;
static long sent, ok, failed_status, failed_closed;
static double *latencies;
static long nlat;

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void open_conn(int i) {
  struct conn *c = &conns[i];
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  c->connected = 0;
  c->busy = 0;
  c->len = 0;
  if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS) {
    perror("connect");
    exit(2);
  }
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.u32 = (unsigned)i};
  epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
}

static void close_conn(int i, int reopen) {
  struct conn *c = &conns[i];
  if (c->busy) failed_closed++;
  epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  c->fd = -1;
  c->busy = 0;
  if (reopen) open_conn(i);
}

/** A connection's connect has finished (EPOLLOUT): 1 when it is up, now watched for answers; 0 when it failed (reopened). */
static int finish_connect(unsigned id) {
  struct conn *c = &conns[id];
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err) {
    close_conn((int)id, 1);
    return 0;
  }
  c->connected = 1;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = id};
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
  return 1;
}

/** A whole response in the buffer: its length, else 0. Sets *status, and *last when the server closes after it. */
static int response_length(struct conn *c, int *status, int *last) {
  c->buf[c->len] = 0;
  char *end = strstr(c->buf, "\r\n\r\n");
  if (!end) return 0;
  int head = (int)(end - c->buf) + 4;
  long body = 0;
  char *cl = strcasestr(c->buf, "\r\ncontent-length:");
  if (cl && cl < end) body = strtol(cl + 17, NULL, 10);
  if (c->len < head + body) return 0;
  *status = atoi(c->buf + 9);
  // nginx answers its keepalive_requests-th request on a connection (1,000 by default) so, then closes it.
  char *close = strcasestr(c->buf, "\r\nconnection: close");
  *last = close && close < end;
  return head + (int)body;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double percentile(double p) {
  if (nlat == 0) return 0;
  long i = (long)(p / 100 * (double)nlat);
  if (i >= nlat) i = nlat - 1;
  return latencies[i] / 1e6;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: rate-load PORT RATE SECONDS CONNECTIONS\n");
    return 2;
  }
  port = atoi(argv[1]);
  double rate = atof(argv[2]), seconds = atof(argv[3]);
  nconns = atoi(argv[4]);
  if (nconns < 1 || nconns > MAX_CONNS || rate <= 0 || seconds <= 0) return 2;
  long total = (long)(rate * seconds);
  latencies = malloc(sizeof(double) * (size_t)(total + 1));
  request_len = snprintf(request, sizeof request, "GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", port);
  // Wake-ups on time: the default 50 us of timer slack would send each request up to that late.
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  epfd = epoll_create1(0);
  for (int i = 0; i < nconns; i++) open_conn(i);

  struct epoll_event events[256];
  // The clock starts once every connection is up: connecting is not part of any request's latency.
  double connect_deadline = now_ns() + 5e9;
  for (int up = 0; up < nconns && now_ns() < connect_deadline;) {
    int n = epoll_wait(epfd, events, 256, 100);
    for (int e = 0; e < n; e++) {
      unsigned id = events[e].data.u32;
      if (conns[id].connected || !(events[e].events & EPOLLOUT)) continue;
      up += finish_connect(id);
    }
  }

  double interval = 1e9 / rate, start = now_ns(), deadline = start + seconds * 1e9;
  long scheduled = 0;  // requests handed to a connection
  int outstanding = 0;
  for (;;) {
    double now = now_ns();
    long due = (long)((now - start) / interval) + 1;
    if (due > total) due = total;
    // Hand every request that is due to a free connection, in order.
    for (int i = 0; i < nconns && scheduled < due; i++) {
      struct conn *c = &conns[i];
      if (c->fd < 0 || !c->connected || c->busy) continue;
      c->due = start + interval * (double)scheduled;
      if (write(c->fd, request, (size_t)request_len) != request_len) {
        close_conn(i, 1);
        continue;
      }
      c->busy = 1;
      scheduled++;
      sent++;
      outstanding++;
    }
    if (scheduled >= total && outstanding == 0) break;
    if (now > deadline + 5e9) break;
    // Wait for an answer, or until the next request is due. Due requests that wait for a free
    // connection need no wake-up, as only an answer frees one: a timer then (this loader had one, of
    // 1 us) spins the loader on a core the proxy needs, just when the proxy is behind.
    struct timespec wait = {.tv_sec = 0, .tv_nsec = 100000000};
    if (scheduled < total) {
      double next = start + interval * (double)scheduled;
      if (next > now && next - now < 1e8) wait.tv_nsec = (long)(next - now);
    }
    int n = epoll_pwait2(epfd, events, 256, &wait, NULL);
    for (int e = 0; e < n; e++) {
      unsigned id = events[e].data.u32;
      struct conn *c = &conns[id];
      if (c->fd < 0) continue;
      if (!c->connected && (events[e].events & EPOLLOUT) && !finish_connect(id)) continue;
      if (events[e].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        for (;;) {
          ssize_t r = read(c->fd, c->buf + c->len, (size_t)(BUF - 1 - c->len));
          if (r > 0) {
            c->len += (int)r;
            int status, whole, last = 0;
            while (c->busy && (whole = response_length(c, &status, &last)) > 0) {
              if (status == 200) {
                ok++;
                latencies[nlat++] = now_ns() - c->due;
              } else
                failed_status++;
              c->busy = 0;
              outstanding--;
              memmove(c->buf, c->buf + whole, (size_t)(c->len - whole));
              c->len -= whole;
            }
            // A connection the server closes after this answer: a new one, before a request goes to it.
            if (last || c->len >= BUF - 1) {
              close_conn((int)id, 1);
              break;
            }
            // Answered with nothing left over: epoll (level-triggered) reports what comes next, so no
            // read that would only say EAGAIN.
            if (!c->busy && c->len == 0) break;
            continue;
          }
          if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
          // Closed by the server (or an error): a request in flight has failed.
          if (c->busy) outstanding--;
          close_conn((int)id, 1);
          break;
        }
      }
    }
  }
  long unsent = total - scheduled;
  qsort(latencies, (size_t)nlat, sizeof(double), cmp);
  printf("{\"sent\":%ld,\"ok\":%ld,\"failed\":%ld,\"failures\":{\"status\":%ld,\"closed\":%ld,\"unanswered\":%d,\"unsent\":%ld},"
         "\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f}\n",
         sent, ok, failed_status + failed_closed + outstanding + unsent, failed_status, failed_closed, outstanding, unsent, percentile(50),
         percentile(99), nlat ? latencies[nlat - 1] / 1e6 : 0.0);
  return 0;
}
