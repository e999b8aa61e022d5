package weft.devdb;

import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;
import de.bwaldvogel.mongo.oplog.Oplog;

/** mongo-java-server's backends with Weft's oplog ({@link TailOplog}) and, in memory, id-first queries. */
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
            return new IdFirstMemoryDatabase(databaseName, getCursorRegistry());
        }
    }

    static final class IdFirstMemoryDatabase extends MemoryDatabase {
        IdFirstMemoryDatabase(String databaseName, CursorRegistry cursorRegistry) {
            super(databaseName, cursorRegistry);
        }

        @Override
        protected MemoryCollection openOrCreateCollection(String collectionName, CollectionOptions options) {
            return new IdFirstMemoryCollection(this, collectionName, options, cursorRegistry);
        }
    }

    static final class H2 extends H2Backend implements WithTailOplog {
        private final TailOplog.Limits limits;
        private TailOplog oplog;

        H2(String fileName, TailOplog.Limits limits) {
            super(fileName);
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
    }
}
