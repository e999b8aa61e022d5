package weft.devdb;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.AbstractCursor;
import de.bwaldvogel.mongo.backend.Cursor;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.aggregation.Aggregation;
import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.CursorNotFoundException;
import de.bwaldvogel.mongo.exception.MongoServerException;
import de.bwaldvogel.mongo.oplog.Oplog;
import de.bwaldvogel.mongo.oplog.OplogPosition;

/**
 * The change-stream oplog, held in memory, ordered by timestamp and bounded like MongoDB's capped
 * oplog. It replaces mongo-java-server's {@code CollectionBackedOplog}, which keeps every write
 * forever in a collection and answers every change-stream {@code getMore} by scanning and sorting
 * all of it: the server's cost grew with every write ever made, and an idle change stream kept a
 * core busy. Here a cursor reads each entry once (a tail map from where it stopped reading, see
 * {@link TailCursor}), and {@link #awaitAppend} lets the network layer hold an empty {@code getMore}
 * until something is written to the watched collection (awaitData), as MongoDB does.
 *
 * <p>The documents and change events are the same as the original's (same fields, same resume
 * tokens); only storage and lookup differ. {@code fullDocument: 'updateLookup'} reads the document
 * by {@code _id} through the collection's index instead of scanning the collection.
 *
 * <p>Bounded by entry count, estimated bytes and age: a change stream that falls further behind
 * than the window misses the trimmed events (MongoDB answers ChangeStreamHistoryLost there). Only
 * writes to collections a change stream read within the age limit are recorded ({@link #isWatched}):
 * a stream can resume over what happened while it was closed, as long as its collection was
 * watched within that time.
 */
final class TailOplog implements Oplog {

    private static final String START_AT_OPERATION_TIME = "startAtOperationTime";
    private static final String FULL_DOCUMENT = "fullDocument";
    private static final String START_AFTER = "startAfter";
    private static final String RESUME_AFTER = "resumeAfter";

    record Limits(int maxEntries, long maxBytes, long maxAgeMillis) {
    }

    private record Entry(Document document, long bytes, long appendedAtMillis) {
    }

    /**
     * A change-stream cursor of this oplog. Unlike mongo-java-server's {@code OplogCursor}, whose
     * position moves only with the events it returns (so a stream on a quiet collection rescans
     * everything written since its last event on every getMore), this one remembers how far it has
     * read, matching or not: each oplog entry is examined once per cursor.
     */
    final class TailCursor extends AbstractCursor {
        private final Document changeStreamDocument;
        private final String namespace;
        private final Aggregation aggregation;
        private OplogPosition position;

        TailCursor(long cursorId, Document changeStreamDocument, String namespace, Aggregation aggregation,
                   OplogPosition position) {
            super(cursorId);
            this.changeStreamDocument = changeStreamDocument;
            this.namespace = namespace;
            this.aggregation = aggregation;
            this.position = position;
        }

        String namespace() {
            return namespace;
        }

        @Override
        public boolean isEmpty() {
            return false;
        }

        @Override
        public synchronized List<Document> takeDocuments(int numberToReturn) {
            watchedAt.put(namespace, clock.millis());
            List<Document> out = new ArrayList<>();
            for (Entry entry : entries.tailMap(valueOf(position), true).values()) {
                if (numberToReturn > 0 && out.size() >= numberToReturn) {
                    break;
                }
                Document document = entry.document();
                BsonTimestamp timestamp = timestampOf(document);
                OplogPosition entryPosition = new OplogPosition(timestamp);
                if (!entryPosition.isAfter(position)) {
                    continue;
                }
                if (!filterNamespace(document, namespace)) {
                    position = entryPosition;
                    continue;
                }
                List<Document> events;
                try {
                    Document event = toChangeStreamResponseDocument(document, changeStreamDocument);
                    // Change-stream stages are per event ($match, $project …): one event at a time.
                    events = aggregation.runStagesAsStream(Stream.of(event)).toList();
                } catch (RuntimeException e) {
                    // The events before this entry are answered; the cursor stays before it, so the
                    // next getMore tries it again instead of losing the batch.
                    if (!out.isEmpty()) {
                        return out;
                    }
                    throw e;
                }
                position = entryPosition;
                out.addAll(events);
            }
            return out;
        }
    }

    private final MongoBackend backend;
    private final CursorRegistry cursorRegistry;
    private final Clock clock;
    private final Limits limits;
    private final UUID ui = UUID.randomUUID();
    private final AtomicInteger increment = new AtomicInteger();
    private final ConcurrentSkipListMap<Long, Entry> entries = new ConcurrentSkipListMap<>();
    /** When a change stream last read each namespace: writes to others are not recorded at all. */
    private final Map<String, Long> watchedAt = new java.util.concurrent.ConcurrentHashMap<>();

    /** Guards appends (timestamps are taken and entries added in order), waiters and the counters. */
    private final Object lock = new Object();
    /** Waiting getMores by watched namespace ({@code db.coll}), woken by appends to it. */
    private final Map<String, List<Runnable>> waiters = new HashMap<>();
    /** Appends by namespace; a database's {@code db.$cmd} entries count for all its collections. */
    private final Map<String, Long> versions = new HashMap<>();
    private long bytes;

    TailOplog(MongoBackend backend, CursorRegistry cursorRegistry, Clock clock, Limits limits) {
        this.backend = backend;
        this.cursorRegistry = cursorRegistry;
        this.clock = clock;
        this.limits = limits;
    }

    /**
     * Changes with every append that a stream on {@code namespace} could report; pass it to
     * {@link #awaitAppend} to close the check-then-wait race.
     */
    long version(String namespace) {
        synchronized (lock) {
            return versions.getOrDefault(namespace, 0L) + versions.getOrDefault(databaseOf(namespace) + ".$cmd", 0L);
        }
    }

    /**
     * Runs {@code waiter} once, after the next append a stream on {@code namespace} could report, or
     * at once when there was one since {@code seenVersion}. It runs on the appending thread: it must
     * only hand work off. Returns what unregisters it (a no-op once it ran).
     */
    Runnable awaitAppend(String namespace, long seenVersion, Runnable waiter) {
        synchronized (lock) {
            long now = versions.getOrDefault(namespace, 0L) + versions.getOrDefault(databaseOf(namespace) + ".$cmd", 0L);
            if (now == seenVersion) {
                waiters.computeIfAbsent(namespace, k -> new ArrayList<>()).add(waiter);
                // A getMore that times out first takes its waiter back: on a quiet collection they
                // would otherwise pile up until the next write.
                return () -> {
                    synchronized (lock) {
                        List<Runnable> waiting = waiters.get(namespace);
                        if (waiting != null && waiting.remove(waiter) && waiting.isEmpty()) {
                            waiters.remove(namespace);
                        }
                    }
                };
            }
        }
        waiter.run();
        return () -> { };
    }

    /** The namespace a change-stream cursor of this oplog watches, or null for any other cursor. */
    String tailCursorNamespace(long cursorId) {
        try {
            return cursorRegistry.getCursor(cursorId) instanceof TailCursor cursor ? cursor.namespace() : null;
        } catch (CursorNotFoundException e) {
            return null;
        }
    }

    /**
     * Whether writes to {@code namespace} are recorded: only while a change stream read it within
     * the oplog's age limit. Nothing else can ever read an entry (a stream starts now, or resumes
     * from an event it read), and most writes go to collections nobody watches (deliveries, logs):
     * recording them would only copy every inserted document for nothing.
     */
    private boolean isWatched(String namespace) {
        Long at = watchedAt.get(namespace);
        return at != null && clock.millis() - at <= limits.maxAgeMillis();
    }

    @Override
    public void handleInsert(String namespace, List<Document> documents) {
        if (documents.isEmpty() || !isWatched(namespace)) {
            return;
        }
        append(documents.stream().map(document -> base("i", namespace).append("o", document.cloneDeeply())).toList());
    }

    @Override
    public void handleUpdate(String namespace, Document selector, Document query, List<Object> modifiedIds) {
        if (modifiedIds.isEmpty() || !isWatched(namespace)) {
            return;
        }
        append(modifiedIds.stream()
            .map(id -> base("u", namespace).append("o", query).append("o2", new Document("_id", id)))
            .toList());
    }

    @Override
    public void handleDelete(String namespace, Document query, List<Object> deletedIds) {
        if (deletedIds.isEmpty() || !isWatched(namespace)) {
            return;
        }
        append(deletedIds.stream().map(id -> base("d", namespace).append("o", new Document("_id", id))).toList());
    }

    @Override
    public void handleDropCollection(String namespace) {
        String databaseName = databaseOf(namespace);
        String collectionName = collectionOf(namespace);
        append(List.of(base("c", databaseName + ".$cmd").append("o", new Document("drop", collectionName))));
    }

    /** The timestamp is filled in under the lock, so entries are appended in timestamp order. */
    private Document base(String op, String namespace) {
        return new Document()
            .append("ts", null)
            .append("t", 1L)
            .append("h", 0L)
            .append("v", 2L)
            .append("op", op)
            .append("ns", namespace)
            .append("ui", ui)
            .append("wall", clock.instant());
    }

    private void append(List<Document> documents) {
        List<Runnable> toWake = new ArrayList<>();
        synchronized (lock) {
            long now = clock.millis();
            for (Document document : documents) {
                BsonTimestamp ts = new BsonTimestamp(clock.instant(), increment.incrementAndGet());
                document.put("ts", ts);
                long size = estimateSize(document);
                entries.put(ts.getValue(), new Entry(document, size, now));
                bytes += size;
            }
            trim(now);
            String namespace = (String) documents.get(0).get("ns");
            versions.merge(namespace, 1L, Long::sum);
            if (namespace.endsWith(".$cmd")) {
                String prefix = databaseOf(namespace) + ".";
                waiters.entrySet().removeIf(waiting -> {
                    if (!waiting.getKey().startsWith(prefix)) {
                        return false;
                    }
                    toWake.addAll(waiting.getValue());
                    return true;
                });
            } else {
                List<Runnable> waiting = waiters.remove(namespace);
                if (waiting != null) {
                    toWake.addAll(waiting);
                }
            }
        }
        for (Runnable waiter : toWake) {
            waiter.run();
        }
    }

    private void trim(long now) {
        while (!entries.isEmpty()) {
            Map.Entry<Long, Entry> oldest = entries.firstEntry();
            boolean over = entries.size() > limits.maxEntries()
                || bytes > limits.maxBytes()
                || now - oldest.getValue().appendedAtMillis() > limits.maxAgeMillis();
            // The newest entry always stays, so a resume token of it is still found.
            if (!over || entries.size() == 1) {
                return;
            }
            entries.pollFirstEntry();
            bytes -= oldest.getValue().bytes();
        }
    }

    private static long estimateSize(Object value) {
        if (value instanceof Document document) {
            long size = 5;
            for (Map.Entry<String, Object> entry : document.entrySet()) {
                size += entry.getKey().length() + 2 + estimateSize(entry.getValue());
            }
            return size;
        }
        if (value instanceof Collection<?> collection) {
            long size = 5;
            for (Object element : collection) {
                size += 4 + estimateSize(element);
            }
            return size;
        }
        if (value instanceof String string) {
            return 5L + string.length();
        }
        if (value instanceof byte[] array) {
            return 5L + array.length;
        }
        return 16;
    }

    private static long valueOf(OplogPosition position) {
        return Long.parseLong(position.toHexString(), 16);
    }

    private static boolean filterNamespace(Document document, String namespace) {
        String docNs = (String) document.get("ns");
        if (docNs.equals(namespace)) {
            return true;
        }
        return databaseOf(namespace).equals(databaseOf(docNs)) && collectionOf(docNs).equals("$cmd");
    }

    @Override
    public Cursor createCursor(Document changeStreamDocument, String namespace, Aggregation aggregation) {
        Document startAfter = (Document) changeStreamDocument.get(START_AFTER);
        Document resumeAfter = (Document) changeStreamDocument.get(RESUME_AFTER);
        BsonTimestamp startAtOperationTime = (BsonTimestamp) changeStreamDocument.get(START_AT_OPERATION_TIME);
        final OplogPosition initialPosition;
        if (startAfter != null) {
            initialPosition = OplogPosition.fromDocument(startAfter);
        } else if (resumeAfter != null) {
            initialPosition = OplogPosition.fromDocument(resumeAfter);
            String collectionName = collectionOf(namespace);
            String commandNamespace = databaseOf(namespace) + ".$cmd";
            boolean droppedSince = entries.tailMap(valueOf(initialPosition), true).values().stream()
                .map(Entry::document)
                .anyMatch(document -> "c".equals(document.get("op"))
                    && commandNamespace.equals(document.get("ns"))
                    && new Document("drop", collectionName).equals(document.get("o")));
            if (droppedSince) {
                throw new MongoServerException("change stream resumed after its collection was dropped");
            }
        } else if (startAtOperationTime != null) {
            initialPosition = new OplogPosition(startAtOperationTime).inclusive();
        } else {
            initialPosition = new OplogPosition(new BsonTimestamp(clock.instant(), increment.get()));
        }
        watchedAt.put(namespace, clock.millis());
        TailCursor cursor = new TailCursor(cursorRegistry.generateCursorId(), changeStreamDocument, namespace,
            aggregation, initialPosition);
        cursorRegistry.add(cursor);
        return cursor;
    }

    private Document toChangeStreamResponseDocument(Document oplogDocument, Document changeStreamDocument) {
        String op = (String) oplogDocument.get("op");
        Document document = (Document) oplogDocument.get("o");
        BsonTimestamp timestamp = timestampOf(oplogDocument);
        Document id = new Document("_data", new OplogPosition(timestamp).toHexString());
        if ("c".equals(op)) {
            String operationType = document.keySet().stream().findFirst()
                .orElseThrow(() -> new MongoServerException("Unspecified command operation type"));
            return new Document()
                .append("_id", id)
                .append("operationType", operationType)
                .append("clusterTime", timestamp);
        }
        final String operationType;
        final Document documentKey;
        final Document fullDocument;
        switch (op) {
            case "i" -> {
                operationType = "insert";
                documentKey = new Document("_id", document.get("_id"));
                fullDocument = document;
            }
            case "u" -> {
                operationType = "update";
                documentKey = document;
                fullDocument = lookUpUpdateDocument(changeStreamDocument, oplogDocument);
            }
            case "d" -> {
                operationType = "delete";
                documentKey = document;
                fullDocument = null;
            }
            default -> throw new IllegalArgumentException("Unexpected operation type: " + op);
        }
        return new Document()
            .append("_id", id)
            .append("operationType", operationType)
            .append(FULL_DOCUMENT, fullDocument)
            .append("documentKey", documentKey)
            .append("clusterTime", timestamp);
    }

    private Document lookUpUpdateDocument(Document changeStreamDocument, Document oplogDocument) {
        Document update = (Document) oplogDocument.get("o");
        Document delta = new Document();
        if (update.containsKey("$set")) {
            delta.appendAll((Document) update.get("$set"));
        }
        if (update.containsKey("$unset")) {
            delta.appendAll((Document) update.get("$unset"));
        }
        if (!"updateLookup".equals(changeStreamDocument.get(FULL_DOCUMENT))) {
            return delta;
        }
        String namespace = (String) oplogDocument.get("ns");
        Object id = ((Document) oplogDocument.get("o2")).get("_id");
        MongoDatabase database = backend.resolveDatabase(databaseOf(namespace));
        MongoCollection<?> collection = database.resolveCollection(collectionOf(namespace), false);
        if (collection == null) {
            return delta;
        }
        // {_id: id} alone: answered by the _id index, not by a scan. The stored document is updated
        // in place by writers, so it is copied under the collection's own lock.
        synchronized (collection) {
            for (Document found : collection.handleQuery(new Document("_id", id), 0, 1)) {
                return found.cloneDeeply();
            }
        }
        return delta;
    }

    private static BsonTimestamp timestampOf(Document document) {
        return (BsonTimestamp) document.get("ts");
    }

    private static String databaseOf(String namespace) {
        int dot = namespace.indexOf('.');
        return dot < 0 ? namespace : namespace.substring(0, dot);
    }

    private static String collectionOf(String namespace) {
        int dot = namespace.indexOf('.');
        return dot < 0 ? "" : namespace.substring(dot + 1);
    }
}
