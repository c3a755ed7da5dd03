"""The shell engine both front ends share: a user line in, what to send and transcript records out."""
