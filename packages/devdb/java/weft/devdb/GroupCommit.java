package weft.devdb;

import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
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
 * the ticket is on file. One thread commits while there is anything to commit: the writes applied
 * while a commit is being written (and under load, in the gap before the next one) share the next
 * commit (a group commit), so the cost is one file write per group, and no network thread ever
 * waits for the file.
 *
 * <p>A commit writes to the operating system (it survives the server's process being killed);
 * with {@code fsync} each group commit also forces the file to the disk (it survives a power cut).
 * Without it the file is forced to the disk once a second by a thread of its own, so a power cut
 * loses at most about the last second of acknowledged writes.
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
     * half of it (2.5 s). A commit that emptied a chunk is forced to the disk before then (each
     * commit with {@code fsync}; else {@link #MAX_SYNC_LAG_NANOS}): a power cut never finds a chunk
     * that the file on disk still references overwritten. (H2's default, 45 s, leaves that to the OS.)
     */
    private static final int RETENTION_MS_WITHOUT_FSYNC = 5_000;
    /**
     * Without {@code fsync}: no commit or housekeeping starts while a commit that started longer ago
     * than this is not yet forced to the disk (under half the retention time, with room for the
     * commit's own duration). Forced writes take place every second on a thread of their own, so
     * this holds commits back only when the disk takes over a second to force one second's writes.
     */
    private static final long MAX_SYNC_LAG_NANOS = 2_000_000_000L;
    private static final long HOUSEKEEPING_EVERY_NANOS = 1_000_000_000L;
    /** Chunks under this share of live data are rewritten (at most {@link #COMPACT_WRITE_BYTES} a round). */
    private static final int COMPACT_BELOW_FILL_PERCENT = 50;
    private static final int COMPACT_WRITE_BYTES = 4 << 20;
    private long lastHousekeeping = System.nanoTime();
    /**
     * Under load, commits start at most this often. A commit's cost is mostly per page, not per
     * write: it rewrites every page it changed, and the pages on the way to them, once however many
     * writes changed them (a run's claim and its steps land on one page). Back to back, commits
     * under a webhook's writes carried about 2 writes each, 1,100 to 1,800 a second; 2 ms apart,
     * about 12 (figures in packages/devdb/README.md, "Durability").
     */
    private static final long BUSY_COMMIT_GAP_NANOS = 2_000_000L;
    /**
     * A commit that carried this many writes or more means load: the next one keeps the gap. After
     * a lone write the next commit starts at once, so a write on an idle server waits for no gap.
     */
    private static final long BUSY_GROUP = 2;
    private long lastCommitStarted;
    private long lastGroup;

    /** A commit not yet known to be forced to the disk: its number and when it started. */
    private record Unsynced(long commit, long startedNanos) {
    }

    /** Commits completed (written by the committing thread). */
    private volatile long commits;
    /** Every commit up to this number is forced to the disk (written by the syncing thread). */
    private volatile long syncedCommits;
    private final Object syncLock = new Object();
    /** The committing thread's own: its commits that may not be forced to the disk yet, oldest first. */
    private final ArrayDeque<Unsynced> unsynced = new ArrayDeque<>();

    GroupCommit(MVStore store, boolean fsync) {
        this.store = store;
        this.fsync = fsync;
        store.setRetentionTime(fsync ? 0 : RETENTION_MS_WITHOUT_FSYNC);
        Thread committer = new Thread(this::commitLoop, "weft-devdb-group-commit");
        committer.setDaemon(true);
        committer.start();
        if (!fsync) {
            // Forcing a second's writes to the disk took tens of milliseconds under the benchmark:
            // on the committing thread, every group behind it waited that long.
            Thread syncer = new Thread(this::syncLoop, "weft-devdb-sync");
            syncer.setDaemon(true);
            syncer.start();
        }
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
        while (true) {
            long upTo;
            synchronized (lock) {
                try {
                    while (applied.get() <= durable) lock.wait();
                } catch (InterruptedException e) {
                    return;
                }
                // Everything counted so far has applied its changes: this commit carries all of them.
                upTo = applied.get();
            }
            try {
                if (lastGroup >= BUSY_GROUP) {
                    long gap = lastCommitStarted + BUSY_COMMIT_GAP_NANOS - System.nanoTime();
                    if (gap > 0) Thread.sleep(gap / 1_000_000L, (int) (gap % 1_000_000L));
                    // Every ticket counted has applied its changes: those of the gap join this commit.
                    upTo = applied.get();
                }
                awaitSyncLag();
                long started = System.nanoTime();
                lastCommitStarted = started;
                store.commit();
                if (fsync) store.sync();
                else unsynced.add(new Unsynced(commits + 1, started));
                commits++;
            } catch (RuntimeException failed) {
                fail(failed);
                return;
            } catch (InterruptedException e) {
                return;
            }
            List<Runnable> ready = new ArrayList<>();
            synchronized (lock) {
                lastGroup = upTo - durable;
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
            // After the replies: the housekeeping does not hold them back.
            long now = System.nanoTime();
            if (now - lastHousekeeping >= HOUSEKEEPING_EVERY_NANOS) {
                lastHousekeeping = now;
                try {
                    awaitSyncLag();
                    housekeeping();
                } catch (RuntimeException failed) {
                    // Only a closed store ends the commits; a round that failed is tried again.
                    if (store.isClosed()) {
                        fail(failed);
                        return;
                    }
                    System.err.println("weft-devdb: H2 housekeeping failed, trying again in a second: " + failed);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Without {@code fsync}: waits while a commit older than {@link #MAX_SYNC_LAG_NANOS} is not on the disk. */
    private void awaitSyncLag() throws InterruptedException {
        while (!unsynced.isEmpty()) {
            // The syncing thread ends with the store: what waits for it would wait for good.
            if (store.isClosed()) throw new IllegalStateException("the H2 store is closed");
            Unsynced oldest = unsynced.peek();
            if (oldest.commit() <= syncedCommits) {
                unsynced.poll();
                continue;
            }
            if (System.nanoTime() - oldest.startedNanos() < MAX_SYNC_LAG_NANOS) return;
            synchronized (syncLock) {
                if (oldest.commit() > syncedCommits) syncLock.wait(100);
            }
        }
    }

    /** Without {@code fsync}: forces the commits completed so far to the disk, once a second. */
    private void syncLoop() {
        long lastSync = System.nanoTime();
        while (true) {
            try {
                long waitNanos = SYNC_EVERY_NANOS - (System.nanoTime() - lastSync);
                if (waitNanos > 0) Thread.sleep(waitNanos / 1_000_000L, (int) (waitNanos % 1_000_000L));
            } catch (InterruptedException e) {
                return;
            }
            lastSync = System.nanoTime();
            // Read before forcing: every commit up to this number is written, so the force covers it.
            long upTo = commits;
            if (upTo == syncedCommits) continue;
            try {
                store.sync();
            } catch (RuntimeException failed) {
                // Closed while forcing (the server stopping) is the end, not a failure.
                if (store.isClosed() || failed.getCause() instanceof ClosedChannelException) return;
                // What was acknowledged may not reach the disk: stop taking writes, as a failed
                // commit does (the next commit fails every command waiting for it).
                System.err.println("weft-devdb: forcing the H2 file to the disk failed, the store is closed");
                failed.printStackTrace();
                store.closeImmediately();
                return;
            }
            synchronized (syncLock) {
                syncedCommits = upTo;
                syncLock.notifyAll();
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
