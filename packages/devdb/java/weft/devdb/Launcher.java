package weft.devdb;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.AbstractMongoBackend;

/**
 * Starts mongo-java-server on a chosen host and port (0 = any free port) with the memory
 * backend or the H2 backend persisted to one file, prints one READY line with the URI, and
 * shuts down cleanly on SIGTERM or when its standard input closes (the parent process died),
 * so no server outlives the process that started it.
 *
 * <p>Changes to the stock server, for its cost under load (see the package README): an in-memory,
 * bounded, tail-indexed oplog ({@link TailOplog}), awaitData for change-stream getMores
 * ({@link AwaitDataHandler}), queries answered through the {@code _id} index and through real
 * ordered secondary indexes ({@link SecondaryIndexes}, both backends), and {@code explain} of a
 * find ({@link Explain}).
 */
public final class Launcher {
    private static final MongoVersion MONGO_4_4 = new MongoVersion() {
        @Override
        public List<Integer> getVersionArray() {
            return List.of(4, 4, 0);
        }

        @Override
        public int getWireVersion() {
            return 9;
        }
    };

    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 0;
        String backendName = "memory";
        String file = null;
        boolean watchStdin = false;
        boolean fsync = false;
        int oplogMaxEntries = 50_000;
        long oplogMaxBytes = 64L * 1024 * 1024;
        long oplogMaxAgeMillis = 10L * 60 * 1000;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--host" -> host = value(args, ++i, arg);
                case "--port" -> port = Integer.parseInt(value(args, ++i, arg));
                case "--backend" -> backendName = value(args, ++i, arg);
                case "--file" -> file = value(args, ++i, arg);
                case "--watch-stdin" -> watchStdin = true;
                case "--fsync" -> fsync = true;
                case "--oplog-max-entries" -> oplogMaxEntries = Integer.parseInt(value(args, ++i, arg));
                case "--oplog-max-bytes" -> oplogMaxBytes = Long.parseLong(value(args, ++i, arg));
                case "--oplog-max-age-ms" -> oplogMaxAgeMillis = Long.parseLong(value(args, ++i, arg));
                default -> fail("unknown argument " + arg);
            }
        }

        TailOplog.Limits limits = new TailOplog.Limits(oplogMaxEntries, oplogMaxBytes, oplogMaxAgeMillis);
        AbstractMongoBackend backend = switch (backendName) {
            case "memory" -> new Backends.Memory(limits);
            case "h2" -> {
                if (file == null) fail("--backend h2 needs --file <path>");
                Path parent = Path.of(file).toAbsolutePath().getParent();
                if (parent != null) Files.createDirectories(parent);
                yield new Backends.H2(file, limits, fsync);
            }
            default -> throw fail("unknown backend " + backendName + " (memory or h2)");
        };

        // mongo-java-server 1.47.0 announces wire version 8, but MongoDB driver 7 refuses servers
        // below wire version 9 (MongoDB 4.4). Announce 4.4 through the server's own version
        // setting; the contract tests prove the operations Weft relies on behave as on MongoDB.
        backend.version(MONGO_4_4);
        // The oplog makes $changeStream work, which Agenda's notification channel uses.
        backend.enableOplog();
        GroupCommit commits = backend instanceof Backends.H2 h2 ? h2.groupCommit() : null;
        WeftMongoServer server = new WeftMongoServer(backend, ((Backends.WithTailOplog) backend).tailOplog(), commits);
        server.bind(host, port);
        InetSocketAddress address = server.getLocalAddress();

        Thread shutdown = new Thread(() -> {
            server.shutdownNow();
            backend.close();
        }, "weft-devdb-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);

        System.out.println("WEFT_DEVDB_READY mongodb://" + host + ":" + address.getPort());
        System.out.flush();

        if (watchStdin) {
            Thread watcher = new Thread(() -> {
                try (InputStream in = System.in) {
                    byte[] buffer = new byte[256];
                    while (in.read(buffer) >= 0) {
                        // Drain until the parent closes the pipe.
                    }
                } catch (IOException ignored) {
                    // A broken pipe means the parent is gone, same as EOF.
                }
                System.exit(0);
            }, "weft-devdb-stdin-watch");
            watcher.setDaemon(true);
            watcher.start();
        }
    }

    private static String value(String[] args, int index, String flag) {
        if (index >= args.length) fail(flag + " needs a value");
        return args[index];
    }

    private static IllegalArgumentException fail(String message) {
        System.err.println("weft-devdb: " + message);
        System.exit(2);
        return new IllegalArgumentException(message);
    }
}
