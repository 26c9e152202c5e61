const char *eddy_version(void)
{
    return "0.1.0";
}
