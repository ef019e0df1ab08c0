# config.mk - build knobs (suckless style).  Override on the command line:
#   make WITH_PG=0 CC=clang PREFIX=$HOME/.local
VERSION   = 0.1.0
PREFIX   ?= /usr/local
MANPREFIX ?= $(PREFIX)/share/man
CC       ?= cc
WITH_PG    ?= 1
WITH_MYSQL ?= 1

# Libraries: each is a well-kept Debian package (see scripts/deps.sh).
PKGS = yaml-0.1 libcurl openssl sqlite3 hiredis libmicrohttpd libpcre2-8 \
       libzstd zlib libxxhash jansson libxml-2.0
# secrets scan --git: libgit2 (the history without parsing git's output)
PKGS += libgit2
# kind dns: ldns (answers with every record's TTL, a resolver per query)
PKGS += ldns
# kind systemd: sd-bus (typed property reads, a timeout per call)
PKGS += libsystemd
ifeq ($(WITH_PG),1)
PKGS += libpq
DEFS += -DWITH_PG
endif
ifeq ($(WITH_MYSQL),1)
PKGS += libmariadb
DEFS += -DWITH_MYSQL
endif

# Loaded on first use, not at start (src/lib/lazy.c): compiled with
# their --cflags, never linked.
LAZY_PKGS = libxml-2.0 libgit2 libsystemd ldns hiredis libmicrohttpd \
            libmariadb libpq libcurl
LINK_PKGS = $(filter-out $(LAZY_PKGS),$(PKGS))

WARN     = -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
           -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation -Wvla
CSTD     = -std=gnu17
OPT     ?= -O2 -g
