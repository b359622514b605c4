/**
 * A run's event log as one Avro container file: {@code export} reads every record of a run from the topics,
 * {@code import} writes them back, keys and order preserved, so a stored run replays like a live one. Depends only on
 * {@code schemas} and the Kafka clients.
 */
package io.hebbscope.archive;
