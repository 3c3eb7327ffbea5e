# circuit module: the circuit model of a LUCIDAC/REDAC configuration and its
# readers and writers (lucipy JSON, APB protobuf).  The API validates circuits
# with it, the compiler writes them, the scheduler converts them for devices
# and the simulator integrates them; none of those needs the others.
noinst_LIBRARIES += libacloud_circuit.a
libacloud_circuit_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
libacloud_circuit_a_SOURCES = \
	src/circuit/circuit.c src/circuit/circuit.h \
	src/circuit/cpath.c src/circuit/cpath.h \
	src/circuit/circuit_json.c \
	src/circuit/circuit_apb.c src/circuit/circuit_apb_write.c \
	src/circuit/pbwire.c src/circuit/pbwire.h
CIRCUIT_LIBS = libacloud_circuit.a $(JANSSON_LIBS) $(M_LIBS)
