package weft.devdb;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.h2.mvstore.MVStore;

/**
 * Makes every write of the H2 backend durable before its reply is sent. A stock MVStore writes
 * its changes to the file from a background thread about once a second, so a killed server lost
 * up to a second of writes it had already acknowledged (webhooks answered 202 among them).
 *
 * <p>Here a command that may have written takes a ticket once its changes are applied
 * ({@link #written}), and its reply is held ({@link DurableReplies}) until a commit that carries
 * the ticket is on file. One thread commits, back to back while there is anything to commit: the
 * writes applied while a commit is being written share the next one (a group commit), so the
 * cost is one file write per group, and no network thread ever waits for the file.
 *
 * <p>A commit writes to the operating system (it survives the server's process being killed);
 * with {@code fsync} each group commit also forces the file to the disk (it survives a power cut).
 * Without it the file is forced to the disk once a second, so a power cut loses at most about the
 * last second of acknowledged writes.
 *
 * <p>The committing thread also keeps the file compact ({@link #housekeeping}). With automatic
 * commits off, MVStore runs none of its own housekeeping, and every commit is a chunk of its own:
 * under the benchmark the file grew to 1.5 GB in two and a half minutes with 13 % of it live, and
 * the store's chunk list (rewritten in part with every commit) to 30,000 entries.
 */
final class GroupCommit {
    /** Commands that never change stored data: they answer without waiting for a commit. */
    private static final Set<String> READ_ONLY = Set.of(
            "find", "getmore", "count", "distinct", "aggregate", "listindexes", "listcollections",
            "listdatabases", "hello", "ismaster", "ping", "buildinfo", "getlasterror", "killcursors",
            "endsessions", "explain", "dbstats", "collstats", "serverstatus", "getparameter",
            "connectionstatus", "whatsmyuri", "getlog", "hostinfo", "getcmdlineopts");

    private record Waiter(long ticket, Runnable durable, Runnable failed) {
    }

    private final MVStore store;
    private final boolean fsync;
    /** Tickets handed out: every write counted up to this one has applied its changes. */
    private final AtomicLong applied = new AtomicLong();
    private final Object lock = new Object();
    /** Every write counted up to this one is on file. */
    private volatile long durable;
    /** Set once a commit failed: the store is closed, nothing is durable from then on. */
    private volatile RuntimeException failure;
    private final List<Waiter> waiters = new ArrayList<>();

    /** Without {@code fsync}: how often the file is forced to the disk. */
    private static final long SYNC_EVERY_NANOS = 1_000_000_000L;
    /**
     * MVStore's retention time: a chunk is reused once it is this old and has held nothing live for
     * half of it (2.5 s), which is past a forced write of the commits that emptied it (each commit
     * with {@code fsync}, else {@link #SYNC_EVERY_NANOS}): a power cut never finds a chunk that the
     * file on disk still references overwritten. (H2's default, 45 s, leaves that to the OS.)
     */
    private static final int RETENTION_MS_WITHOUT_FSYNC = 5_000;
    private static final long HOUSEKEEPING_EVERY_NANOS = 1_000_000_000L;
    /** Chunks under this share of live data are rewritten (at most {@link #COMPACT_WRITE_BYTES} a round). */
    private static final int COMPACT_BELOW_FILL_PERCENT = 50;
    private static final int COMPACT_WRITE_BYTES = 4 << 20;
    private long lastSync = System.nanoTime();
    private long lastHousekeeping = System.nanoTime();

    GroupCommit(MVStore store, boolean fsync) {
        this.store = store;
        this.fsync = fsync;
        store.setRetentionTime(fsync ? 0 : RETENTION_MS_WITHOUT_FSYNC);
        Thread committer = new Thread(this::commitLoop, "weft-devdb-group-commit");
        committer.setDaemon(true);
        committer.start();
    }

    static boolean mayWrite(String command) {
        return !READ_ONLY.contains(command.toLowerCase());
    }

    /** Called once a command that may have written has applied its changes: its ticket. */
    long written() {
        long ticket = applied.incrementAndGet();
        synchronized (lock) {
            lock.notifyAll();
        }
        return ticket;
    }

    boolean isDurable(long ticket) {
        return durable >= ticket;
    }

    /**
     * Runs {@code onDurable} on the committing thread once the write of {@code ticket} is on file
     * (at once if it is), or {@code onFailed} if the commit that should carry it failed.
     */
    void whenDurable(long ticket, Runnable onDurable, Runnable onFailed) {
        synchronized (lock) {
            if (failure == null && durable < ticket) {
                waiters.add(new Waiter(ticket, onDurable, onFailed));
                return;
            }
        }
        (failure == null ? onDurable : onFailed).run();
    }

    /** Blocks until the write of {@code ticket} is on file (for a command without a channel to hold). */
    void awaitDurable(long ticket) {
        synchronized (lock) {
            while (durable < ticket && failure == null) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for a commit", e);
                }
            }
            if (failure != null) throw failure;
        }
    }

    private void commitLoop() {
        boolean unsynced = false;
        while (true) {
            long upTo;
            synchronized (lock) {
                try {
                    while (applied.get() <= durable) {
                        if (!unsynced) {
                            lock.wait();
                            continue;
                        }
                        // Idle with commits not yet forced to the disk: force them within the second.
                        long waitMs = (SYNC_EVERY_NANOS - (System.nanoTime() - lastSync) + 999_999L) / 1_000_000L;
                        if (waitMs <= 0) break;
                        lock.wait(waitMs);
                    }
                } catch (InterruptedException e) {
                    return;
                }
                // Everything counted so far has applied its changes: this commit carries all of them.
                upTo = applied.get();
            }
            boolean committed = upTo > durable;
            try {
                if (committed) {
                    store.commit();
                    unsynced = true;
                }
                if (fsync) {
                    store.sync();
                    unsynced = false;
                }
            } catch (RuntimeException failed) {
                fail(failed);
                return;
            }
            if (committed) {
                List<Runnable> ready = new ArrayList<>();
                synchronized (lock) {
                    durable = upTo;
                    lock.notifyAll();
                    for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
                        Waiter waiter = it.next();
                        if (waiter.ticket() <= upTo) {
                            ready.add(waiter.durable());
                            it.remove();
                        }
                    }
                }
                ready.forEach(Runnable::run);
            }
            // After the replies: neither the forced write (without fsync) nor the housekeeping
            // holds them back.
            try {
                if (unsynced && System.nanoTime() - lastSync >= SYNC_EVERY_NANOS) {
                    store.sync();
                    unsynced = false;
                    lastSync = System.nanoTime();
                }
            } catch (RuntimeException failed) {
                fail(failed);
                return;
            }
            long now = System.nanoTime();
            if (now - lastHousekeeping >= HOUSEKEEPING_EVERY_NANOS) {
                lastHousekeeping = now;
                try {
                    housekeeping();
                } catch (RuntimeException failed) {
                    // Only a closed store ends the commits; a round that failed is tried again.
                    if (store.isClosed()) {
                        fail(failed);
                        return;
                    }
                    System.err.println("weft-devdb: H2 housekeeping failed, trying again in a second: " + failed);
                }
            }
        }
    }

    /**
     * What MVStore's background thread would do: the live pages of chunks that are mostly dead are
     * marked for rewriting (the next commit writes them, a little at a time), and chunks that hold
     * nothing live any more are freed once past the retention time.
     */
    private void housekeeping() {
        store.compact(COMPACT_BELOW_FILL_PERCENT, COMPACT_WRITE_BYTES);
        store.getFileStore().dropUnusedChunks();
    }

    private void fail(RuntimeException failed) {
        if (!store.isClosed() || store.getPanicException() != null) {
            // A failed commit closes the store (every later command answers "This store is
            // closed"): its cause is the one line worth reading, whatever the log level.
            System.err.println("weft-devdb: commit failed, the H2 store is closed");
            failed.printStackTrace();
        }
        List<Runnable> failedWaiters = new ArrayList<>();
        synchronized (lock) {
            failure = failed;
            lock.notifyAll();
            waiters.forEach(waiter -> failedWaiters.add(waiter.failed()));
            waiters.clear();
        }
        failedWaiters.forEach(Runnable::run);
    }
}
