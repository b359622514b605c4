/**
 * Who may do what on a secured broker: the security file of {@code hebbscope broker --security FILE} (users,
 * passwords, hebbscope roles), the Kafka ACLs each role needs ({@link io.hebbscope.broker.security.HebbscopeAcls},
 * also what a refusal message tells to grant), the {@link io.hebbscope.broker.BrokerSecurity} they make, and
 * {@link io.hebbscope.broker.security.AccessRefusals}: a client's authentication or authorization failure as one
 * line naming the ACL to grant.
 * Depends on {@code io.hebbscope.broker}, the topic registry of {@code schemas} and Kafka's clients; no
 * command-line parsing (the {@code broker} command in {@code cli} reads the file and reports its problems).
 */
package io.hebbscope.broker.security;
