"""Parses one message with Python's `email` package and prints its structure as JSON.

An independent reader for the MIME writer's round-trip test (client/src/compose/tests.rs):
header fields decoded, the tree of content types with their file names and content ids,
text parts decoded (and format=flowed undone here, by this script's own reading of
RFC 3676), other parts as their bytes in hex.

Usage: python3 mime_structure.py MESSAGE_FILE
"""

import email
import email.policy
import json
import sys


def unflow(text, delsp):
    """RFC 3676 section 4.2: a line ending in a space continues on the next one (at the
    same quote depth); one leading space is stuffing; the signature separator is fixed."""
    out = []
    current = None
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]
        soft = content.endswith(" ") and content != "-- "
        if soft and delsp:
            content = content[:-1]
        if current is not None and current[0] == depth:
            current[1] += content
        else:
            if current is not None:
                out.append(current)
            current = [depth, content]
        if not soft:
            out.append(current)
            current = None
    if current is not None:
        out.append(current)
    return "\n".join(">" * d + (" " if d else "") + c for d, c in out)


def part(entity):
    node = {"type": entity.get_content_type()}
    if entity.is_multipart():
        node["parts"] = [part(p) for p in entity.iter_parts()]
        return node
    if entity.get_filename() is not None:
        node["filename"] = entity.get_filename()
    if entity["content-id"] is not None:
        node["content_id"] = str(entity["content-id"])
    disposition = entity.get_content_disposition()
    if disposition is not None:
        node["disposition"] = disposition
    node["encoding"] = entity.get("content-transfer-encoding", "7bit").lower()
    if entity.get_content_maintype() == "text" and disposition != "attachment":
        text = entity.get_content().replace("\r\n", "\n")
        params = entity["content-type"].params
        if params.get("format", "").lower() == "flowed":
            text = unflow(text, params.get("delsp", "").lower() == "yes")
        node["text"] = text
    else:
        data = entity.get_content()
        if isinstance(data, str):
            data = data.encode("utf-8")
        node["hex"] = data.hex()
    return node


def addresses(message, name):
    field = message[name]
    if field is None:
        return None
    return [[a.display_name, a.addr_spec] for a in field.addresses]


def main():
    with open(sys.argv[1], "rb") as f:
        message = email.message_from_binary_file(f, policy=email.policy.default)
    out = {
        "defects": [type(d).__name__ for p in message.walk() for d in p.defects],
        "subject": str(message["subject"]) if message["subject"] is not None else None,
        "date": str(message["date"]),
        "message_id": str(message["message-id"]),
        "in_reply_to": str(message["in-reply-to"]) if message["in-reply-to"] else None,
        "references": str(message["references"]) if message["references"] else None,
        "from": addresses(message, "from"),
        "reply_to": addresses(message, "reply-to"),
        "to": addresses(message, "to"),
        "cc": addresses(message, "cc"),
        "bcc": addresses(message, "bcc"),
        "body": part(message),
    }
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)


main()
