package weft.devdb;

import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.h2.mvstore.MVStore;

/**
 * Makes every write of the H2 backend durable before its reply is sent. A stock MVStore writes
 * its changes to the file from a background thread about once a second, so a killed server lost
 * up to a second of writes it had already acknowledged (webhooks answered 202 among them). Here a
 * command that may have written commits the store before it answers; commands that finish while
 * a commit is being written share the next one (a group commit), so the cost is one file write
 * per group, not per command.
 *
 * <p>A commit writes to the operating system (it survives the server's process being killed);
 * with {@code fsync} each group commit also forces the file to the disk (it survives a power cut).
 */
final class GroupCommit {
    /** Commands that never change stored data: they answer without waiting for a commit. */
    private static final Set<String> READ_ONLY = Set.of(
            "find", "getmore", "count", "distinct", "aggregate", "listindexes", "listcollections",
            "listdatabases", "hello", "ismaster", "ping", "buildinfo", "getlasterror", "killcursors",
            "endsessions", "explain", "dbstats", "collstats", "serverstatus", "getparameter",
            "connectionstatus", "whatsmyuri", "getlog", "hostinfo", "getcmdlineopts");

    private final MVStore store;
    private final boolean fsync;
    private final Object commitLock = new Object();
    /** Commands that may have written, counted as they finish. */
    private final AtomicLong finished = new AtomicLong();
    /** Every command counted up to this one is on file. */
    private long durable;

    GroupCommit(MVStore store, boolean fsync) {
        this.store = store;
        this.fsync = fsync;
    }

    static boolean mayWrite(String command) {
        return !READ_ONLY.contains(command.toLowerCase());
    }

    /** Called once a command that may have written has applied its changes, before it answers. */
    void afterWrite() {
        long mine = finished.incrementAndGet();
        synchronized (commitLock) {
            if (durable >= mine) return;
            // Everything counted so far has applied its changes: this commit carries all of them.
            long upTo = finished.get();
            // commit() waits for a commit in progress (also the store's own background one), so
            // on return every change made before it is on file.
            store.commit();
            if (fsync) store.sync();
            durable = upTo;
        }
    }
}
