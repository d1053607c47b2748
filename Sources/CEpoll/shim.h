// epoll(7) and eventfd(2) are glibc's, but Swift's Glibc module does not export their headers:
// this module exposes them to `Net`'s event loops. Nothing to link beyond libc.
#include <sys/epoll.h>
#include <sys/eventfd.h>
