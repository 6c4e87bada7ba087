/*
 * ws-floor: the floor that scripts/bench-peers.sh measures brokers against. A WebSocket server that
 * does nothing but route: one epoll thread, and for each delivery one write(2) of a frame built once
 * per publish. No protocol, no buffering beyond what a slow reader forces, no keepalive.
 *
 *   ws-floor PORT           (0: any free port; prints "listening on PORT" once ready)
 *
 * A client's text or binary frame "S<topic>" subscribes it to one topic (answered with a frame "ok");
 * "P<topic> <payload>" sends <payload> to every subscriber of <topic>. Loopback only. Bounds: 65,536
 * descriptors, frames from clients of at most 64 KiB (a larger one closes its connection), a
 * reader's backlog of at most 16 MiB (beyond, it is closed). A benchmark tool, not a product.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/sha.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FDS 65536
#define IN_CAPACITY (64 * 1024 + 16)
#define MAX_BACKLOG (16 * 1024 * 1024)

struct conn {
    int upgraded;
    size_t in_len;
    unsigned char *in;
    char topic[128];
    unsigned char *out;
    size_t out_len, out_cap;
};

static struct conn *conns[MAX_FDS];
static int epfd;
static int max_fd;

static void drop(int fd) {
    struct conn *c = conns[fd];
    if (!c) return;
    epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
    close(fd);
    free(c->in);
    free(c->out);
    free(c);
    conns[fd] = NULL;
}

/* Writes what it can; keeps the rest, waiting for EPOLLOUT. Returns 0, or -1 when it dropped fd. */
static int send_bytes(int fd, const unsigned char *bytes, size_t len) {
    struct conn *c = conns[fd];
    if (c->out_len == 0) {
        ssize_t n = write(fd, bytes, len);
        if (n == (ssize_t)len) return 0;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { drop(fd); return -1; }
        if (n > 0) { bytes += n; len -= (size_t)n; }
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.fd = fd};
        epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
    }
    if (c->out_len + len > MAX_BACKLOG) { drop(fd); return -1; }
    if (c->out_len + len > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 4096;
        while (cap < c->out_len + len) cap *= 2;
        unsigned char *grown = realloc(c->out, cap);
        if (!grown) { drop(fd); return -1; }
        c->out = grown;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, bytes, len);
    c->out_len += len;
    return 0;
}

static void flush_out(int fd) {
    struct conn *c = conns[fd];
    ssize_t n = write(fd, c->out, c->out_len);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) drop(fd);
        return;
    }
    memmove(c->out, c->out + n, c->out_len - (size_t)n);
    c->out_len -= (size_t)n;
    if (c->out_len == 0) {
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
        epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
    }
}

/* An unmasked server frame: header + payload into frame; returns its length. */
static size_t make_frame(unsigned char *frame, int opcode, const unsigned char *payload, size_t len) {
    size_t h = 0;
    frame[h++] = (unsigned char)(0x80 | opcode);
    if (len < 126) {
        frame[h++] = (unsigned char)len;
    } else if (len < 65536) {
        frame[h++] = 126;
        frame[h++] = (unsigned char)(len >> 8);
        frame[h++] = (unsigned char)len;
    } else {
        frame[h++] = 127;
        for (int i = 7; i >= 0; i--) frame[h++] = (unsigned char)((uint64_t)len >> (8 * i));
    }
    memcpy(frame + h, payload, len);
    return h + len;
}

static unsigned char frame_buffer[IN_CAPACITY + 16];

static void on_message(int fd, int opcode, unsigned char *payload, size_t len) {
    struct conn *c = conns[fd];
    if (len >= 1 && payload[0] == 'S') {
        size_t topic_len = len - 1 < sizeof c->topic - 1 ? len - 1 : sizeof c->topic - 1;
        memcpy(c->topic, payload + 1, topic_len);
        c->topic[topic_len] = 0;
        size_t n = make_frame(frame_buffer, 1, (const unsigned char *)"ok", 2);
        send_bytes(fd, frame_buffer, n);
        return;
    }
    if (len >= 1 && payload[0] == 'P') {
        unsigned char *space = memchr(payload, ' ', len);
        if (!space) return;
        size_t topic_len = (size_t)(space - payload) - 1;
        if (topic_len >= sizeof c->topic) return;
        char topic[128];
        memcpy(topic, payload + 1, topic_len);
        topic[topic_len] = 0;
        size_t body = len - topic_len - 2;
        size_t n = make_frame(frame_buffer, opcode, space + 1, body);
        for (int other = 0; other <= max_fd; other++) {
            struct conn *s = conns[other];
            if (s && s->upgraded && s->topic[0] && strcmp(s->topic, topic) == 0) send_bytes(other, frame_buffer, n);
        }
    }
}

static const char *GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

static int handshake(int fd) {
    struct conn *c = conns[fd];
    c->in[c->in_len] = 0;
    char *end = strstr((char *)c->in, "\r\n\r\n");
    if (!end) return c->in_len >= 8192 ? -1 : 0;
    char *key = strcasestr((char *)c->in, "\r\nSec-WebSocket-Key:");
    if (!key) return -1;
    key += strlen("\r\nSec-WebSocket-Key:");
    while (*key == ' ') key++;
    char *key_end = strstr(key, "\r\n");
    if (!key_end || key_end - key > 64) return -1;
    char joined[128];
    int joined_len = snprintf(joined, sizeof joined, "%.*s%s", (int)(key_end - key), key, GUID);
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1((unsigned char *)joined, (size_t)joined_len, digest);
    unsigned char accept[64];
    EVP_EncodeBlock(accept, digest, SHA_DIGEST_LENGTH);
    char response[256];
    int n = snprintf(response, sizeof response,
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
    size_t consumed = (size_t)(end + 4 - (char *)c->in);
    memmove(c->in, c->in + consumed, c->in_len - consumed);
    c->in_len -= consumed;
    c->upgraded = 1;
    return send_bytes(fd, (unsigned char *)response, (size_t)n) < 0 ? -2 : 1;
}

/* Parses whole frames from the input; returns -1 when fd was dropped. */
static int frames(int fd) {
    for (;;) {
        struct conn *c = conns[fd];
        if (!c) return -1;
        if (c->in_len < 2) return 0;
        unsigned char *p = c->in;
        int opcode = p[0] & 0x0F;
        int masked = p[1] & 0x80;
        uint64_t len = p[1] & 0x7F;
        size_t h = 2;
        if (len == 126) {
            if (c->in_len < 4) return 0;
            len = ((uint64_t)p[2] << 8) | p[3];
            h = 4;
        } else if (len == 127) {
            if (c->in_len < 10) return 0;
            len = 0;
            for (int i = 0; i < 8; i++) len = (len << 8) | p[2 + i];
            h = 10;
        }
        if (len > 64 * 1024) { drop(fd); return -1; }
        size_t mask_at = h;
        if (masked) h += 4;
        if (c->in_len < h + len) return 0;
        unsigned char *payload = p + h;
        if (masked) for (uint64_t i = 0; i < len; i++) payload[i] ^= p[mask_at + (i & 3)];
        if (opcode == 8) { drop(fd); return -1; }
        if (opcode == 9) {
            size_t n = make_frame(frame_buffer, 10, payload, (size_t)len);
            if (send_bytes(fd, frame_buffer, n) < 0) return -1;
        } else if (opcode == 1 || opcode == 2) {
            on_message(fd, opcode, payload, (size_t)len);
            if (!conns[fd]) return -1;
        }
        size_t consumed = h + (size_t)len;
        memmove(c->in, c->in + consumed, c->in_len - consumed);
        c->in_len -= consumed;
    }
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: ws-floor PORT\n"); return 64; }
    signal(SIGPIPE, SIG_IGN);
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, (struct sockaddr *)&address, sizeof address) < 0 || listen(listener, 4096) < 0) {
        perror("ws-floor: bind/listen");
        return 69;
    }
    socklen_t size = sizeof address;
    getsockname(listener, (struct sockaddr *)&address, &size);
    printf("listening on %d\n", ntohs(address.sin_port));
    fflush(stdout);
    epfd = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = listener};
    epoll_ctl(epfd, EPOLL_CTL_ADD, listener, &ev);
    struct epoll_event events[256];
    for (;;) {
        int ready = epoll_wait(epfd, events, 256, -1);
        for (int i = 0; i < ready; i++) {
            int fd = events[i].data.fd;
            if (fd == listener) {
                for (;;) {
                    int client = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
                    if (client < 0) break;
                    if (client >= MAX_FDS) { close(client); continue; }
                    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct conn *c = calloc(1, sizeof *c);
                    c->in = malloc(IN_CAPACITY + 1);
                    conns[client] = c;
                    if (client > max_fd) max_fd = client;
                    struct epoll_event cev = {.events = EPOLLIN, .data.fd = client};
                    epoll_ctl(epfd, EPOLL_CTL_ADD, client, &cev);
                }
                continue;
            }
            if (!conns[fd]) continue;
            if (events[i].events & EPOLLOUT) {
                flush_out(fd);
                if (!conns[fd]) continue;
            }
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                struct conn *c = conns[fd];
                ssize_t n = read(fd, c->in + c->in_len, IN_CAPACITY - c->in_len);
                if (n <= 0) {
                    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) drop(fd);
                    continue;
                }
                c->in_len += (size_t)n;
                if (!c->upgraded) {
                    int result = handshake(fd);
                    if (result == -1) { drop(fd); continue; }
                    if (result <= 0) continue;
                }
                frames(fd);
            }
        }
    }
}
