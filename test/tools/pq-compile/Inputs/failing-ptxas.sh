#!/bin/sh
# A ptxas that fails the way a real one does: a message on stderr, status 3.
echo "ptxas fatal   : Unresolved extern function 'bogus'" >&2
exit 3
