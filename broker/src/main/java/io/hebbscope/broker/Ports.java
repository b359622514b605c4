package io.hebbscope.broker;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Free ports, checks of requested ones, and how Kafka reports a port it could not bind. */
final class Ports {
    private Ports() {}

    static int free(String host) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new EmbeddedKafkaBroker.BrokerStartException("Cannot find a free port on " + host + ": " + e.getMessage(), e);
        }
    }

    static boolean isFree(String host, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true); // as Kafka's acceptor: a port in TIME_WAIT counts as free
            s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.BindException) {
                return true;
            }
            String m = t.getMessage();
            if (m != null && (m.contains("Address already in use") || m.contains("Socket server failed to bind"))) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
