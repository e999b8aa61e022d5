package weft.devdb;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicInteger;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.message.MessageHeader;
import de.bwaldvogel.mongo.wire.message.MongoMessage;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * awaitData for change streams. mongo-java-server answers a {@code getMore} on a change stream at
 * once, also when there is nothing new, and the driver asks again at once: every open change stream
 * kept the server busy in a loop of empty round trips. MongoDB instead holds such a {@code getMore}
 * until an event arrives or {@code maxTimeMS} (default 1 s) passes; so does this handler, without
 * blocking the network thread: an empty answer is not sent, the request is retried on the channel's
 * event loop when something is written to the watched collection, and the (empty) answer goes out
 * at the deadline.
 *
 * <p>Every other message passes through to mongo-java-server's own handler unchanged.
 */
final class AwaitDataHandler extends ChannelInboundHandlerAdapter {

    private static final long DEFAULT_AWAIT_MS = 1_000;
    private static final long MAX_AWAIT_MS = 10_000;

    private final MongoBackend backend;
    private final TailOplog oplog;
    private final AtomicInteger responseIds = new AtomicInteger(1 << 30);

    AwaitDataHandler(MongoBackend backend, TailOplog oplog) {
        this.backend = backend;
        this.oplog = oplog;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) throws Exception {
        if (message instanceof MongoMessage request) {
            Document command = request.getDocument();
            String namespace = !command.isEmpty() && "getMore".equals(command.keySet().iterator().next())
                && command.get("getMore") instanceof Number cursorId
                ? oplog.tailCursorNamespace(cursorId.longValue())
                : null;
            if (namespace != null) {
                Object maxTime = command.get("maxTimeMS");
                long awaitMs = maxTime instanceof Number n && n.longValue() > 0
                    ? Math.min(n.longValue(), MAX_AWAIT_MS)
                    : DEFAULT_AWAIT_MS;
                serve(ctx, request, namespace, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(awaitMs));
                return;
            }
        }
        ctx.fireChannelRead(message);
    }

    private void serve(ChannelHandlerContext ctx, MongoMessage request, String namespace, long deadlineNanos) {
        long seen = oplog.version(namespace);
        Document response;
        try {
            response = backend.handleMessage(request);
        } catch (RuntimeException e) {
            // Let mongo-java-server's handler answer with its own error document (cursor killed …).
            ctx.fireChannelRead(request);
            return;
        }
        long remainingNanos = deadlineNanos - System.nanoTime();
        if (!isEmptyBatch(response) || remainingNanos <= 0 || !ctx.channel().isActive()) {
            MessageHeader header = new MessageHeader(responseIds.incrementAndGet(), request.getHeader().getRequestID());
            ctx.channel().writeAndFlush(new MongoMessage(request.getChannel(), header, response));
            return;
        }
        AtomicBoolean woken = new AtomicBoolean();
        AtomicReference<Runnable> unregister = new AtomicReference<>(() -> { });
        Runnable retry = () -> {
            if (woken.compareAndSet(false, true)) {
                unregister.get().run();
                ctx.executor().execute(() -> serve(ctx, request, namespace, deadlineNanos));
            }
        };
        ctx.executor().schedule(retry, remainingNanos, TimeUnit.NANOSECONDS);
        unregister.set(oplog.awaitAppend(namespace, seen, retry));
    }

    private static boolean isEmptyBatch(Document response) {
        if (!(response.get("cursor") instanceof Document cursor)) {
            return false;
        }
        if (cursor.get("id") instanceof Number id && id.longValue() == 0) {
            return false;
        }
        return cursor.get("nextBatch") instanceof List<?> batch && batch.isEmpty();
    }
}
