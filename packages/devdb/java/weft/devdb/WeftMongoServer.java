package weft.devdb;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.wire.MongoDatabaseHandler;
import de.bwaldvogel.mongo.wire.MongoExceptionHandler;
import de.bwaldvogel.mongo.wire.MongoWireProtocolHandler;
import de.bwaldvogel.mongo.wire.MongoWireReplyEncoder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * mongo-java-server's {@code MongoServer.bind}, with {@link AwaitDataHandler} in front of its database
 * handler and, on H2, {@link DurableReplies} holding the replies to writes until they are on file
 * and {@link OpMsgEncoder} in place of the stock OP_MSG encoder (MongoServer builds its pipeline
 * inline, so it is rebuilt here).
 */
final class WeftMongoServer {

    private final MongoBackend backend;
    private final TailOplog oplog;
    /** The H2 backend's commits (replies to writes wait for them), else null. */
    private final GroupCommit commits;
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private ChannelGroup channelGroup;
    private Channel channel;

    WeftMongoServer(MongoBackend backend, TailOplog oplog, GroupCommit commits) {
        this.backend = backend;
        this.oplog = oplog;
        this.commits = commits;
    }

    void bind(String host, int port) {
        bossGroup = new NioEventLoopGroup(1);
        workerGroup = new NioEventLoopGroup();
        channelGroup = new DefaultChannelGroup("mongodb-channels", workerGroup.next());
        ServerBootstrap bootstrap = new ServerBootstrap()
            .group(bossGroup, workerGroup)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .localAddress(new InetSocketAddress(host, port))
            .childOption(ChannelOption.TCP_NODELAY, Boolean.TRUE)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                public void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new MongoWireReplyEncoder());
                    ch.pipeline().addLast(new OpMsgEncoder());
                    ch.pipeline().addLast(new MongoWireProtocolHandler());
                    if (commits != null) {
                        // Outbound: sees the replies of the handlers after it before they are encoded.
                        ch.pipeline().addLast(new DurableReplies(commits));
                    }
                    ch.pipeline().addLast(new AwaitDataHandler(backend, oplog));
                    ch.pipeline().addLast(new MongoDatabaseHandler(backend, channelGroup));
                    ch.pipeline().addLast(new MongoExceptionHandler());
                }
            });
        try {
            channel = bootstrap.bind().syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            shutdownNow();
            throw e;
        }
    }

    InetSocketAddress getLocalAddress() {
        return channel == null ? null : (InetSocketAddress) channel.localAddress();
    }

    void shutdownNow() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
            channel = null;
        }
        if (channelGroup != null) {
            channelGroup.close().syncUninterruptibly();
        }
        if (bossGroup != null) {
            bossGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (workerGroup != null) {
            workerGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
