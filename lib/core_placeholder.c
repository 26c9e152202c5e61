typedef int eddy_placeholder_t;
