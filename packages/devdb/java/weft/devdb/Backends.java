package weft.devdb;

import java.lang.reflect.Field;
import java.util.List;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.oplog.Oplog;
import io.netty.channel.Channel;

/**
 * mongo-java-server's backends with Weft's oplog ({@link TailOplog}), collections whose indexes are
 * used ({@link SecondaryIndexes}) and {@code explain} of a find ({@link Explain}).
 */
final class Backends {

    private Backends() {
    }

    interface WithTailOplog {
        /** The oplog once {@code enableOplog()} ran, else null. */
        TailOplog tailOplog();
    }

    static final class Memory extends MemoryBackend implements WithTailOplog {
        private final TailOplog.Limits limits;
        private TailOplog oplog;

        Memory(TailOplog.Limits limits) {
            this.limits = limits;
        }

        @Override
        protected Oplog createOplog() {
            oplog = new TailOplog(this, getCursorRegistry(), getClock(), limits);
            return oplog;
        }

        @Override
        public TailOplog tailOplog() {
            return oplog;
        }

        @Override
        public MemoryDatabase openOrCreateDatabase(String databaseName) {
            return new IndexedMemoryDatabase(databaseName, getCursorRegistry());
        }

        @Override
        public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
            Document explained = Explain.command(this, databaseName, command, query);
            return explained != null ? explained : super.handleCommand(channel, databaseName, command, query);
        }
    }

    static final class IndexedMemoryDatabase extends MemoryDatabase {
        IndexedMemoryDatabase(String databaseName, CursorRegistry cursorRegistry) {
            super(databaseName, cursorRegistry);
        }

        @Override
        protected MemoryCollection openOrCreateCollection(String collectionName, CollectionOptions options) {
            return new IndexedMemoryCollection(this, collectionName, options, cursorRegistry);
        }
    }

    static final class H2 extends H2Backend implements WithTailOplog {
        private final TailOplog.Limits limits;
        private final GroupCommit groupCommit;
        private TailOplog oplog;

        H2(String fileName, TailOplog.Limits limits, boolean fsync) {
            super(H2Store.open(fileName));
            this.limits = limits;
            this.groupCommit = new GroupCommit(getMvStore(), fsync);
        }

        @Override
        protected Oplog createOplog() {
            oplog = new TailOplog(this, getCursorRegistry(), getClock(), limits);
            return oplog;
        }

        @Override
        public TailOplog tailOplog() {
            return oplog;
        }

        GroupCommit groupCommit() {
            return groupCommit;
        }

        @Override
        protected MongoDatabase openOrCreateDatabase(String databaseName) {
            // Also called from H2Backend's constructor (it opens the stored databases): no fields
            // of this class may be used here.
            return new IndexedH2Database(databaseName, getMvStore(), getCursorRegistry());
        }

        @Override
        public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
            Document explained = Explain.command(this, databaseName, command, query);
            if (explained != null) return explained;
            if (!GroupCommit.mayWrite(command)) return super.handleCommand(channel, databaseName, command, query);
            try {
                return super.handleCommand(channel, databaseName, command, query);
            } finally {
                // Also after an error: an ordered insert that failed at its n-th document wrote the first n - 1.
                DurableReplies.answersWrite(channel, groupCommit, groupCommit.written());
            }
        }
    }

    /** H2's database with {@link IndexedH2Collection}s. */
    static final class IndexedH2Database extends H2Database {
        private static final Field MV_STORE;

        static {
            try {
                MV_STORE = H2Database.class.getDeclaredField("mvStore");
                MV_STORE.setAccessible(true);
            } catch (NoSuchFieldException e) {
                throw new IllegalStateException("mongo-java-server's H2Database has no mvStore field", e);
            }
        }

        IndexedH2Database(String databaseName, MVStore mvStore, CursorRegistry cursorRegistry) {
            super(databaseName, mvStore, cursorRegistry);
        }

        @Override
        protected MongoCollection<Object> openOrCreateCollection(String collectionName, CollectionOptions options) {
            // Called from H2Database's constructor (it opens the stored collections and indexes)
            // before a field of this class could be set: the store comes from H2Database's own
            // field. The map names are H2Database's (its openOrCreateCollection).
            MVStore mvStore = store();
            String fullName = getFullCollectionNamespace(collectionName);
            MVMap<Object, Document> dataMap = H2Store.documents(mvStore, "databases." + fullName);
            MVMap<String, Object> metaMap = mvStore.openMap("meta." + fullName);
            return new IndexedH2Collection(this, collectionName, options, dataMap, metaMap, cursorRegistry);
        }

        @Override
        protected Index<Object> openOrCreateUniqueIndex(String collectionName, String indexName, List<IndexKey> keys,
                                                        boolean sparse) {
            // The stock code opens the map by this name (H2Database.mapNameForIndex): open it with
            // BSON types first, and it gets this instance.
            H2Store.openUniqueIndex(store(), getFullCollectionNamespace(collectionName) + "._index_" + indexName);
            return super.openOrCreateUniqueIndex(collectionName, indexName, keys, sparse);
        }

        private MVStore store() {
            try {
                return (MVStore) MV_STORE.get(this);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
