/**
 * A real single-node KRaft Kafka broker in-process ({@link io.hebbscope.broker.EmbeddedKafkaBroker}) for the demo,
 * the {@code broker} command and integration tests: its ports, data directory, SCRAM logins and ACLs
 * ({@link io.hebbscope.broker.BrokerSecurity}), and whether a cluster is reachable. Depends on Kafka's server and
 * clients only; hebbscope's roles and the security file are in {@code io.hebbscope.broker.security}.
 */
package io.hebbscope.broker;
