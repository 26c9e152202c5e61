#include "util/drift.h"

#include <math.h>

eddy_ph_conf_t eddy_ph_default(void)
{
    eddy_ph_conf_t c = {.min_instances = 30,
                        .delta = 0.005,
                        .threshold = 50.0,
                        .alpha = 1.0 - 0.0001,
                        .mode = EDDY_PH_BOTH};
    return c;
}

void eddy_ph_reset(eddy_ph_t *ph)
{
    ph->n = 0;
    ph->mean = 0.0;
    ph->inc = ph->dec = 0.0;
    ph->min_inc = INFINITY;
    ph->max_dec = -1.0; /* River's starting value */
    ph->detected = 0;
}

int eddy_ph_update(const eddy_ph_conf_t *conf, eddy_ph_t *ph, double x)
{
    double d, up, down;

    if (ph->detected)
        eddy_ph_reset(ph);
    ph->n++;
    ph->mean += (1.0 / (double)ph->n) * (x - ph->mean);
    d = x - ph->mean;
    ph->inc = conf->alpha * ph->inc + d - conf->delta;
    ph->dec = conf->alpha * ph->dec + d + conf->delta;
    if (ph->inc < ph->min_inc)
        ph->min_inc = ph->inc;
    if (ph->dec > ph->max_dec)
        ph->max_dec = ph->dec;
    if (ph->n < conf->min_instances)
        return 0;
    up = ph->inc - ph->min_inc;
    down = ph->max_dec - ph->dec;
    ph->detected = conf->mode == EDDY_PH_UP ? up > conf->threshold
                   : conf->mode == EDDY_PH_DOWN
                       ? down > conf->threshold
                       : up > conf->threshold || down > conf->threshold;
    return ph->detected;
}
